using ChatGrpc.Contracts.V1;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Google.Protobuf.Reflection;

namespace ChatGrpc.Contracts;

/// <summary>Typed client for chat.v1.AuthService.</summary>
public sealed class AuthServiceClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = AuthReflection.Descriptor.FindTypeByName<ServiceDescriptor>("AuthService");
    private static readonly Method<RegisterRequest, RegisterResponse> RegisterMethod = Method.Create<RegisterRequest, RegisterResponse>(Service, "Register");
    private static readonly Method<LoginRequest, LoginResponse> LoginMethod = Method.Create<LoginRequest, LoginResponse>(Service, "Login");
    private static readonly Method<RefreshRequest, RefreshResponse> RefreshMethod = Method.Create<RefreshRequest, RefreshResponse>(Service, "Refresh");

    public UnaryCall<RegisterResponse> Register(RegisterRequest request, CallOptions options = default) => channel.UnaryCall(RegisterMethod, request, options);

    public UnaryCall<LoginResponse> Login(LoginRequest request, CallOptions options = default) => channel.UnaryCall(LoginMethod, request, options);

    public UnaryCall<RefreshResponse> Refresh(RefreshRequest request, CallOptions options = default) => channel.UnaryCall(RefreshMethod, request, options);
}
