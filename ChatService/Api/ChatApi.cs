using ChatGrpc.Contracts.V1;
using ChatService.Chat;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using ChatRpc = ChatGrpc.Contracts.V1.ChatService;

namespace ChatService.Api;

/// <summary>
/// chat.v1.ChatService: the streams, and the unary twins of client frames for browsers. The streams
/// are bound with a byte[] response type (see <see cref="FrameBytesBinder"/>), so a broadcast frame
/// serialized once is written as is to every subscriber. Methods with a google.api.http rule are also
/// served as JSON by the library's transcoding, through these same overrides.
/// </summary>
[BindServiceMethod(typeof(FrameBytesBinder), nameof(FrameBytesBinder.BindService))]
public sealed class ChatApi(SessionStream streams, ChatEngine engine, RoomDirectory directory) : ChatRpc.ChatServiceBase
{
    public Task Connect(IAsyncStreamReader<ClientFrame> requestStream, IServerStreamWriter<byte[]> responseStream, ServerCallContext context) =>
        streams.ConnectAsync(requestStream, responseStream, context);

    public Task Subscribe(SubscribeRequest request, IServerStreamWriter<byte[]> responseStream, ServerCallContext context) =>
        streams.SubscribeAsync(responseStream, context);

    public override Task<JoinResponse> Join(JoinRequest request, ServerCallContext context) => OnSession(context, request.SessionId, async session =>
        new JoinResponse { Joined = await engine.JoinAsync(session, request, "").ConfigureAwait(false) });

    public override Task<LeaveResponse> Leave(LeaveRequest request, ServerCallContext context) => OnSession(context, request.SessionId, session =>
        Task.FromResult(new LeaveResponse { Left = engine.Leave(session, request) }));

    public override Task<SendResponse> Send(SendRequest request, ServerCallContext context) => request.SessionId.Length == 0
        ? AsUser(context, async user => new SendResponse { Ack = await engine.SendAsync(user, request).ConfigureAwait(false) })
        : OnSession(context, request.SessionId, async session => new SendResponse { Ack = await engine.SendAsync(session, request).ConfigureAwait(false) });

    public override Task<SetTypingResponse> SetTyping(SetTypingRequest request, ServerCallContext context) => OnSession(context, request.SessionId, session =>
    {
        engine.SetTyping(session, request);
        return Task.FromResult(new SetTypingResponse());
    });

    public override Task<SetPresenceResponse> SetPresence(SetPresenceRequest request, ServerCallContext context) => OnSession(context, request.SessionId, session =>
    {
        engine.SetPresence(session, request);
        return Task.FromResult(new SetPresenceResponse());
    });

    public override Task<MarkReadResponse> MarkRead(MarkReadRequest request, ServerCallContext context) => OnSession(context, request.SessionId, async session =>
        new MarkReadResponse { ReadMarker = await engine.MarkReadAsync(session, request).ConfigureAwait(false) });

    public override Task<RefreshSessionResponse> RefreshSession(RefreshSessionRequest request, ServerCallContext context) => OnSession(context, request.SessionId, session =>
    {
        // The call's own token, already validated by JwtBearer, is the fresher one.
        var caller = CallAuthenticator.Caller(context);
        engine.ExtendToken(session, CallAuthenticator.ToChatUser(caller), caller.ExpiresAt, caller.SignIn);
        return Task.FromResult(new RefreshSessionResponse { TokenRefreshed = new TokenRefreshed { ExpiresAt = Timestamp.FromDateTimeOffset(caller.ExpiresAt) } });
    });

    public override Task<EditMessageResponse> EditMessage(EditMessageRequest request, ServerCallContext context) => AsUser(context, async user =>
    {
        var (message, duplicate) = await engine.EditAsync(user, request).ConfigureAwait(false);
        return new EditMessageResponse { Message = message.ToProto(), Duplicate = duplicate };
    });

    public override Task<DeleteMessageResponse> DeleteMessage(DeleteMessageRequest request, ServerCallContext context) => AsUser(context, async user =>
    {
        await engine.DeleteMessageAsync(user, request).ConfigureAwait(false);
        return new DeleteMessageResponse();
    });

    public override Task<HistoryResponse> History(HistoryRequest request, ServerCallContext context) => AsUser(context, user => directory.HistoryAsync(user, request));

    public override Task<SearchResponse> Search(SearchRequest request, ServerCallContext context) => AsUser(context, user => directory.SearchAsync(user, request));

    public override Task<ListRoomsResponse> ListRooms(ListRoomsRequest request, ServerCallContext context) => AsUser(context, async user =>
    {
        var response = new ListRoomsResponse();
        response.Rooms.AddRange(await directory.ListAsync(user, request.IncludePublic).ConfigureAwait(false));
        return response;
    });

    public override Task<CreateRoomResponse> CreateRoom(CreateRoomRequest request, ServerCallContext context) => AsUser(context, async user =>
        new CreateRoomResponse { Room = await directory.CreateAsync(user, request).ConfigureAwait(false) });

    public override Task<GetMembersResponse> GetMembers(GetMembersRequest request, ServerCallContext context) => AsUser(context, async user =>
    {
        var response = new GetMembersResponse();
        response.Members.AddRange(await directory.MembersAsync(user, request.Room).ConfigureAwait(false));
        return response;
    });

    public override Task<OpenDirectResponse> OpenDirect(OpenDirectRequest request, ServerCallContext context) => AsUser(context, async user =>
        new OpenDirectResponse { Room = await directory.OpenDirectAsync(user, request.UserName).ConfigureAwait(false) });

    private static Task<T> AsUser<T>(ServerCallContext context, Func<ChatUser, Task<T>> operation) =>
        ErrorMapping.Unary(() => operation(CallAuthenticator.ToChatUser(CallAuthenticator.Caller(context))));

    private Task<T> OnSession<T>(ServerCallContext context, string sessionId, Func<Session, Task<T>> operation) =>
        AsUser(context, user => operation(engine.FindSession(sessionId, user)));
}
