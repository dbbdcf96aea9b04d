// Transport: gRPC-Web (binary) to the page's own origin, with the access token on every call
// except AuthService's. Message and service types come from protos/ via `npm run gen`.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { AdminService } from "./gen/chat/v1/admin_pb.js";
import { AuthService } from "./gen/chat/v1/auth_pb.js";
import { ChatService } from "./gen/chat/v1/chat_pb.js";

export interface Api {
  auth: Client<typeof AuthService>;
  chat: Client<typeof ChatService>;
  admin: Client<typeof AdminService>;
}

export function createApi(accessToken: () => string, baseUrl: string = location.origin): Api {
  const bearer: Interceptor = (next) => (request) => {
    const token = accessToken();
    if (token && request.service.typeName !== AuthService.typeName) {
      request.header.set("authorization", `Bearer ${token}`);
    }
    return next(request);
  };
  const transport = createGrpcWebTransport({ baseUrl, useBinaryFormat: true, interceptors: [bearer] });
  return {
    auth: createClient(AuthService, transport),
    chat: createClient(ChatService, transport),
    admin: createClient(AdminService, transport),
  };
}

export function errorCode(error: unknown): Code {
  return ConnectError.from(error).code;
}

/** The server's readable message, without the transport's "[code]" prefix. */
export function errorText(error: unknown): string {
  const e = ConnectError.from(error);
  return e.rawMessage || Code[e.code] || "request failed";
}

/** The server's hint for rate limits (the `retry-after-ms` trailer), if any. */
export function retryAfterMs(error: unknown): number | undefined {
  const value = Number(ConnectError.from(error).metadata.get("retry-after-ms"));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

export { Code };
