// One implementation serves the service and the SDK (which evaluates locally and must agree byte for byte):
// the SDK package holds it, so it builds on its own; the service re-exports it.
export { bucket, bucketIndex, fnv1a32 } from '../../sdk/src/bucketing/hash';
