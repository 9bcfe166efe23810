/**
 * A quick estimate of a value's JSON size, for bounding batches by bytes before anything is
 * encoded.
 *
 * It walks the value once without building any text: strings count their UTF-16 length, numbers a
 * fixed eight characters, and punctuation one each. That undercounts non-ASCII text (up to three
 * UTF-8 bytes per UTF-16 unit) and overcounts short numbers, which is close enough to keep a batch
 * far from the journal's record and string bounds while costing a fraction of `JSON.stringify`.
 */

/** Characters counted for a number, whatever its digits. */
const numberChars = 8;

export function estimateJsonBytes(value: unknown): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    switch (typeof item) {
      case 'string':
        total += item.length + 2;
        break;
      case 'number':
        total += numberChars;
        break;
      case 'boolean':
        total += 5;
        break;
      case 'object':
        if (item === null) {
          total += 4;
        } else if (Array.isArray(item)) {
          total += 2 + item.length;
          for (const element of item) stack.push(element);
        } else if (ArrayBuffer.isView(item)) {
          // Seeds travel in base64: four characters for every three bytes.
          total += Math.ceil(item.byteLength / 3) * 4 + 2;
        } else {
          total += 2;
          for (const key in item) {
            total += key.length + 4;
            stack.push((item as Record<string, unknown>)[key]);
          }
        }
        break;
      default:
        // undefined, functions and symbols are left out of JSON.
        break;
    }
  }
  return total;
}
