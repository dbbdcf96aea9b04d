'use strict';
// Loads the chat.v1 contract from the repository's protos/ (paths relative to this file), the
// same .proto files our server is generated from, for the grpc-js server and the load generator.

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.join(__dirname, '..', '..', 'protos');

const packageDefinition = protoLoader.loadSync(['chat/v1/chat.proto', 'chat/v1/auth.proto'], {
  includeDirs: [PROTO_ROOT],
  keepCase: true, // field names as in the .proto (request_id, client_msg_id)
  longs: Number, // seqs and timestamps stay far below 2^53
  enums: String,
  defaults: false, // absent fields stay undefined: less work per decoded frame
  oneofs: true, // ClientFrame.frame / ServerFrame.frame name the field that is set
});

const chatv1 = grpc.loadPackageDefinition(packageDefinition).chat.v1;

/** A unary call with a 30 s deadline, as a promise. */
function unary(client, method, request, metadata = new grpc.Metadata()) {
  return new Promise((resolve, reject) =>
    client[method](request, metadata, { deadline: new Date(Date.now() + 30000) }, (e, r) => (e ? reject(e) : resolve(r))));
}

/** Metadata carrying an access token. */
function bearer(token) {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

module.exports = {
  unary,
  bearer,
  grpc,
  packageDefinition,
  chatv1,
  ChatServiceDefinition: packageDefinition['chat.v1.ChatService'],
  AuthServiceDefinition: packageDefinition['chat.v1.AuthService'],
};
