global using AdminServiceClient = ChatGrpc.Contracts.V1.AdminService.AdminServiceClient;
global using AuthServiceClient = ChatGrpc.Contracts.V1.AuthService.AuthServiceClient;
global using ChatServiceClient = ChatGrpc.Contracts.V1.ChatService.ChatServiceClient;
