using ChatGrpc.Contracts.V1;
using ChatService.Auth;
using ChatService.Chat;
using ChatService.Storage;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace ChatService.Api;

/// <summary>
/// chat.v1.AdminService. The role policies (<see cref="ChatAuthentication"/>) read roles from the store
/// on each call, so a demotion takes effect at once; the operations act as the caller the store knows now.
/// </summary>
public sealed class AdminApi(AdminOperations admin, ChatEngine engine, IUserStore users) : AdminService.AdminServiceBase
{
    [Authorize(Policy = ChatAuthentication.AdminPolicy)]
    public override Task<BroadcastResponse> Broadcast(BroadcastRequest request, ServerCallContext context) => As(context, Role.Admin, user =>
        Task.FromResult(new BroadcastResponse { Connections = admin.Broadcast(user, request.Title, request.Body) }));

    [Authorize(Policy = ChatAuthentication.AdminPolicy)]
    public override Task<NotifyResponse> Notify(NotifyRequest request, ServerCallContext context) => As(context, Role.Admin, async user =>
        new NotifyResponse { Connections = await admin.NotifyAsync(user, request.UserName, request.Title, request.Body).ConfigureAwait(false) });

    [Authorize(Policy = ChatAuthentication.AdminPolicy)]
    public override Task<KickResponse> Kick(KickRequest request, ServerCallContext context) => As(context, Role.Admin, async user =>
        new KickResponse { Connections = await admin.KickAsync(user, request.UserName, request.Reason).ConfigureAwait(false) });

    [Authorize(Policy = ChatAuthentication.ModeratorPolicy)]
    public override Task<DeleteMessageResponse> DeleteMessage(DeleteMessageRequest request, ServerCallContext context) => As(context, Role.Moderator, async user =>
    {
        await engine.DeleteMessageAsync(user, request).ConfigureAwait(false);
        return new DeleteMessageResponse();
    });

    [Authorize(Policy = ChatAuthentication.AdminPolicy)]
    public override Task<SetRoleResponse> SetRole(SetRoleRequest request, ServerCallContext context) => As(context, Role.Admin, async _ =>
        new SetRoleResponse { User = await admin.SetRoleAsync(request.UserName, request.Role).ConfigureAwait(false) });

    [Authorize(Policy = ChatAuthentication.AdminPolicy)]
    public override Task<GetStatsResponse> GetStats(GetStatsRequest request, ServerCallContext context) => As(context, Role.Admin, _ => admin.StatsAsync());

    private Task<T> As<T>(ServerCallContext context, Role required, Func<ChatUser, Task<T>> operation) => ErrorMapping.Unary(async () =>
    {
        var caller = CallAuthenticator.Caller(context);
        var current = await users.FindByIdAsync(caller.Id).ConfigureAwait(false)
            ?? throw new ChatException(ChatErrorCode.Unauthenticated, "The token's user no longer exists.");
        // The policy checked this a moment ago; checked again so an operation never runs on a role that changed in between.
        if (current.Role < required)
        {
            throw ChatException.PermissionDenied($"{context.Method} needs the {required.ToString().ToLowerInvariant()} role; {current.Name} is a {current.Role.ToString().ToLowerInvariant()}.");
        }

        return await operation(new ChatUser(current.Id, current.Name, current.Role)).ConfigureAwait(false);
    });
}
