// @chatgrpc/client: the browser half of ChatGrpc's guarantees. A ChatSession keeps a Subscribe
// stream (gRPC-Web) open, resumes every room after its last seq and heals gaps; an Outbox sends
// with a client_msg_id fixed once, so each message is stored once across drops; Auth keeps and
// refreshes the tokens; ChatStore is the model the frames are applied to, for any front end to render.
export { createApi, Code, errorCode, errorText, retryAfterMs, type Api } from "./api.js";
export { Auth } from "./auth.js";
export { ChatSession, type SessionEvents } from "./session.js";
export { Outbox, newClientMsgId } from "./outbox.js";
export { nextDelay } from "./reconnect.js";
export { ChatStore, defaultLimits, type ConnectionState, type PendingSend, type Room, type SendStatus, type Toast } from "./state.js";
export { codePoints, visible } from "./text.js";
export * from "./gen/chat/v1/types_pb.js";
export * from "./gen/chat/v1/chat_pb.js";
export * from "./gen/chat/v1/auth_pb.js";
export * from "./gen/chat/v1/admin_pb.js";
