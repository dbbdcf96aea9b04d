using ChatGrpc.Contracts.V1;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Google.Protobuf.Reflection;

namespace ChatGrpc.Contracts;

/// <summary>Typed client for chat.v1.AdminService.</summary>
public sealed class AdminServiceClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = AdminReflection.Descriptor.FindTypeByName<ServiceDescriptor>("AdminService");
    private static readonly Method<BroadcastRequest, BroadcastResponse> BroadcastMethod = Method.Create<BroadcastRequest, BroadcastResponse>(Service, "Broadcast");
    private static readonly Method<NotifyRequest, NotifyResponse> NotifyMethod = Method.Create<NotifyRequest, NotifyResponse>(Service, "Notify");
    private static readonly Method<KickRequest, KickResponse> KickMethod = Method.Create<KickRequest, KickResponse>(Service, "Kick");
    private static readonly Method<DeleteMessageRequest, DeleteMessageResponse> DeleteMessageMethod = Method.Create<DeleteMessageRequest, DeleteMessageResponse>(Service, "DeleteMessage");
    private static readonly Method<SetRoleRequest, SetRoleResponse> SetRoleMethod = Method.Create<SetRoleRequest, SetRoleResponse>(Service, "SetRole");
    private static readonly Method<GetStatsRequest, GetStatsResponse> GetStatsMethod = Method.Create<GetStatsRequest, GetStatsResponse>(Service, "GetStats");

    public UnaryCall<BroadcastResponse> Broadcast(BroadcastRequest request, CallOptions options = default) => channel.UnaryCall(BroadcastMethod, request, options);

    public UnaryCall<NotifyResponse> Notify(NotifyRequest request, CallOptions options = default) => channel.UnaryCall(NotifyMethod, request, options);

    public UnaryCall<KickResponse> Kick(KickRequest request, CallOptions options = default) => channel.UnaryCall(KickMethod, request, options);

    public UnaryCall<DeleteMessageResponse> DeleteMessage(DeleteMessageRequest request, CallOptions options = default) => channel.UnaryCall(DeleteMessageMethod, request, options);

    public UnaryCall<SetRoleResponse> SetRole(SetRoleRequest request, CallOptions options = default) => channel.UnaryCall(SetRoleMethod, request, options);

    public UnaryCall<GetStatsResponse> GetStats(GetStatsRequest request, CallOptions options = default) => channel.UnaryCall(GetStatsMethod, request, options);
}
