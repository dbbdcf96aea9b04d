using ChatGrpc.Contracts.V1;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Google.Protobuf.Reflection;

namespace ChatGrpc.Contracts;

/// <summary>Typed client for chat.v1.ChatService. Paths and call kinds come from the generated descriptor.</summary>
public sealed class ChatServiceClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = ChatReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ChatService");
    private static readonly Method<ClientFrame, ServerFrame> ConnectMethod = Method.Create<ClientFrame, ServerFrame>(Service, "Connect");
    private static readonly Method<SubscribeRequest, ServerFrame> SubscribeMethod = Method.Create<SubscribeRequest, ServerFrame>(Service, "Subscribe");
    private static readonly Method<JoinRequest, JoinResponse> JoinMethod = Method.Create<JoinRequest, JoinResponse>(Service, "Join");
    private static readonly Method<LeaveRequest, LeaveResponse> LeaveMethod = Method.Create<LeaveRequest, LeaveResponse>(Service, "Leave");
    private static readonly Method<SendRequest, SendResponse> SendMethod = Method.Create<SendRequest, SendResponse>(Service, "Send");
    private static readonly Method<SetTypingRequest, SetTypingResponse> SetTypingMethod = Method.Create<SetTypingRequest, SetTypingResponse>(Service, "SetTyping");
    private static readonly Method<SetPresenceRequest, SetPresenceResponse> SetPresenceMethod = Method.Create<SetPresenceRequest, SetPresenceResponse>(Service, "SetPresence");
    private static readonly Method<MarkReadRequest, MarkReadResponse> MarkReadMethod = Method.Create<MarkReadRequest, MarkReadResponse>(Service, "MarkRead");
    private static readonly Method<HistoryRequest, HistoryResponse> HistoryMethod = Method.Create<HistoryRequest, HistoryResponse>(Service, "History");
    private static readonly Method<ListRoomsRequest, ListRoomsResponse> ListRoomsMethod = Method.Create<ListRoomsRequest, ListRoomsResponse>(Service, "ListRooms");
    private static readonly Method<CreateRoomRequest, CreateRoomResponse> CreateRoomMethod = Method.Create<CreateRoomRequest, CreateRoomResponse>(Service, "CreateRoom");
    private static readonly Method<GetMembersRequest, GetMembersResponse> GetMembersMethod = Method.Create<GetMembersRequest, GetMembersResponse>(Service, "GetMembers");
    private static readonly Method<OpenDirectRequest, OpenDirectResponse> OpenDirectMethod = Method.Create<OpenDirectRequest, OpenDirectResponse>(Service, "OpenDirect");

    public DuplexStreamingCall<ClientFrame, ServerFrame> Connect(CallOptions options = default) => channel.DuplexStreamingCall(ConnectMethod, options);

    public ServerStreamingCall<ServerFrame> Subscribe(SubscribeRequest request, CallOptions options = default) => channel.ServerStreamingCall(SubscribeMethod, request, options);

    public UnaryCall<JoinResponse> Join(JoinRequest request, CallOptions options = default) => channel.UnaryCall(JoinMethod, request, options);

    public UnaryCall<LeaveResponse> Leave(LeaveRequest request, CallOptions options = default) => channel.UnaryCall(LeaveMethod, request, options);

    public UnaryCall<SendResponse> Send(SendRequest request, CallOptions options = default) => channel.UnaryCall(SendMethod, request, options);

    public UnaryCall<SetTypingResponse> SetTyping(SetTypingRequest request, CallOptions options = default) => channel.UnaryCall(SetTypingMethod, request, options);

    public UnaryCall<SetPresenceResponse> SetPresence(SetPresenceRequest request, CallOptions options = default) => channel.UnaryCall(SetPresenceMethod, request, options);

    public UnaryCall<MarkReadResponse> MarkRead(MarkReadRequest request, CallOptions options = default) => channel.UnaryCall(MarkReadMethod, request, options);

    public UnaryCall<HistoryResponse> History(HistoryRequest request, CallOptions options = default) => channel.UnaryCall(HistoryMethod, request, options);

    public UnaryCall<ListRoomsResponse> ListRooms(ListRoomsRequest request, CallOptions options = default) => channel.UnaryCall(ListRoomsMethod, request, options);

    public UnaryCall<CreateRoomResponse> CreateRoom(CreateRoomRequest request, CallOptions options = default) => channel.UnaryCall(CreateRoomMethod, request, options);

    public UnaryCall<GetMembersResponse> GetMembers(GetMembersRequest request, CallOptions options = default) => channel.UnaryCall(GetMembersMethod, request, options);

    public UnaryCall<OpenDirectResponse> OpenDirect(OpenDirectRequest request, CallOptions options = default) => channel.UnaryCall(OpenDirectMethod, request, options);
}
