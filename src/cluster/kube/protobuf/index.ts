/** Reading the Kubernetes API's protobuf encoding, for the kinds this client watches. */
export { PROTOBUF_MEDIA_TYPE } from './envelope.ts';
export { decodeList } from './list.ts';
export { decodeObject, type ObjectJson } from './objects.ts';
export { decodeWatchEvent, type WatchEventJson } from './watch.ts';
export { ProtobufError } from './wire.ts';
