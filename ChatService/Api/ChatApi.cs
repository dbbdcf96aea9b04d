using ChatGrpc.Contracts.V1;
using ChatGrpc.Wire.Server;
using ChatService.Chat;

namespace ChatService.Api;

/// <summary>chat.v1.ChatService: the streams, and the unary twins of client frames for browsers.</summary>
public sealed class ChatApi(SessionStream streams, ChatEngine engine, RoomDirectory directory, CallAuthenticator authenticator)
{
    public ServiceDefinition Definition => ServiceDefinition.For(ChatReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.ServiceDescriptor>("ChatService"))
        .DuplexStreaming<ClientFrame, ServerFrame>("Connect", streams.ConnectAsync)
        .ServerStreaming<SubscribeRequest, ServerFrame>("Subscribe", streams.SubscribeAsync)
        .Unary<JoinRequest, JoinResponse>("Join", (request, context) => OnSession(context, request.SessionId, async session =>
            new JoinResponse { Joined = await engine.JoinAsync(session, request, "").ConfigureAwait(false) }))
        .Unary<LeaveRequest, LeaveResponse>("Leave", (request, context) => OnSession(context, request.SessionId, session =>
            Task.FromResult(new LeaveResponse { Left = engine.Leave(session, request) })))
        .Unary<SendRequest, SendResponse>("Send", (request, context) => OnSession(context, request.SessionId, async session =>
            new SendResponse { Ack = await engine.SendAsync(session, request).ConfigureAwait(false) }))
        .Unary<SetTypingRequest, SetTypingResponse>("SetTyping", (request, context) => OnSession(context, request.SessionId, session =>
        {
            engine.SetTyping(session, request);
            return Task.FromResult(new SetTypingResponse());
        }))
        .Unary<SetPresenceRequest, SetPresenceResponse>("SetPresence", (request, context) => OnSession(context, request.SessionId, session =>
        {
            engine.SetPresence(session, request);
            return Task.FromResult(new SetPresenceResponse());
        }))
        .Unary<MarkReadRequest, MarkReadResponse>("MarkRead", (request, context) => OnSession(context, request.SessionId, async session =>
            new MarkReadResponse { ReadMarker = await engine.MarkReadAsync(session, request).ConfigureAwait(false) }))
        .Unary<HistoryRequest, HistoryResponse>("History", (request, context) => AsUser(context, user => directory.HistoryAsync(user, request)))
        .Unary<ListRoomsRequest, ListRoomsResponse>("ListRooms", (request, context) => AsUser(context, async user =>
        {
            var response = new ListRoomsResponse();
            response.Rooms.AddRange(await directory.ListAsync(user, request.IncludePublic).ConfigureAwait(false));
            return response;
        }))
        .Unary<CreateRoomRequest, CreateRoomResponse>("CreateRoom", (request, context) => AsUser(context, async user =>
            new CreateRoomResponse { Room = await directory.CreateAsync(user, request).ConfigureAwait(false) }))
        .Unary<GetMembersRequest, GetMembersResponse>("GetMembers", (request, context) => AsUser(context, async user =>
        {
            var response = new GetMembersResponse();
            response.Members.AddRange(await directory.MembersAsync(user, request.Room).ConfigureAwait(false));
            return response;
        }))
        .Unary<OpenDirectRequest, OpenDirectResponse>("OpenDirect", (request, context) => AsUser(context, async user =>
            new OpenDirectResponse { Room = await directory.OpenDirectAsync(user, request.UserName).ConfigureAwait(false) }))
        .Build();

    private async Task<T> AsUser<T>(ServerCallContext context, Func<ChatUser, Task<T>> operation)
    {
        var user = CallAuthenticator.ToChatUser(await authenticator.AuthenticateAsync(context).ConfigureAwait(false));
        return await ErrorMapping.Unary(() => operation(user)).ConfigureAwait(false);
    }

    private Task<T> OnSession<T>(ServerCallContext context, string sessionId, Func<Session, Task<T>> operation) =>
        AsUser(context, user => operation(engine.FindSession(sessionId, user)));
}
