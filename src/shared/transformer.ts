/**
 * The one data transformer shared by the server and the typed client: superjson, so that values
 * JSON cannot carry (dates, maps, undefined) survive the trip over `/trpc`. The client bundles this
 * module instead of importing server code.
 */
import superjson from 'superjson';

export const transformer = superjson;
