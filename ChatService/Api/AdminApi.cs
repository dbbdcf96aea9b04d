using ChatGrpc.Contracts.V1;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Server;
using ChatService.Chat;
using ChatService.Storage;

namespace ChatService.Api;

/// <summary>chat.v1.AdminService. Roles are read from the store on each call, so a demotion takes effect at once.</summary>
public sealed class AdminApi(AdminOperations admin, CallAuthenticator authenticator, IUserStore users)
{
    public ServiceDefinition Definition => ServiceDefinition.For(AdminReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.ServiceDescriptor>("AdminService"))
        .Unary<BroadcastRequest, BroadcastResponse>("Broadcast", (request, context) => As(context, Role.Admin, user =>
            Task.FromResult(new BroadcastResponse { Connections = admin.Broadcast(user, request.Title, request.Body) })))
        .Unary<NotifyRequest, NotifyResponse>("Notify", (request, context) => As(context, Role.Admin, async user =>
            new NotifyResponse { Connections = await admin.NotifyAsync(user, request.UserName, request.Title, request.Body).ConfigureAwait(false) }))
        .Unary<KickRequest, KickResponse>("Kick", (request, context) => As(context, Role.Admin, async user =>
            new KickResponse { Connections = await admin.KickAsync(user, request.UserName, request.Reason).ConfigureAwait(false) }))
        .Unary<DeleteMessageRequest, DeleteMessageResponse>("DeleteMessage", (request, context) => As(context, Role.Moderator, async user =>
        {
            await admin.DeleteMessageAsync(user, request.Room, request.Seq).ConfigureAwait(false);
            return new DeleteMessageResponse();
        }))
        .Unary<SetRoleRequest, SetRoleResponse>("SetRole", (request, context) => As(context, Role.Admin, async _ =>
            new SetRoleResponse { User = await admin.SetRoleAsync(request.UserName, request.Role).ConfigureAwait(false) }))
        .Unary<GetStatsRequest, GetStatsResponse>("GetStats", (_, context) => As(context, Role.Admin, _ => admin.StatsAsync()))
        .Build();

    private async Task<T> As<T>(ServerCallContext context, Role required, Func<ChatUser, Task<T>> operation)
    {
        var caller = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        var current = await users.FindByIdAsync(caller.Id).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Unauthenticated, "The token's user no longer exists.");
        if (current.Role < required)
        {
            throw new RpcException(StatusCode.PermissionDenied, $"{context.Method} needs the {required.ToString().ToLowerInvariant()} role; {current.Name} is a {current.Role.ToString().ToLowerInvariant()}.");
        }

        return await ErrorMapping.Unary(() => operation(new ChatUser(current.Id, current.Name, current.Role))).ConfigureAwait(false);
    }
}
