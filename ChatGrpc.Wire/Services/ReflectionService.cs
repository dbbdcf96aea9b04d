using ChatGrpc.Wire.Server;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace ChatGrpc.Wire.Services;

/// <summary>
/// Server reflection (grpc.reflection.v1 and the older v1alpha that many tools still call), answered
/// from the descriptors of the services this server maps, so grpcurl works without .proto files.
/// </summary>
public sealed class ReflectionService(GrpcServiceRegistry registry)
{
    private DescriptorIndex? _index;

    public ServiceDefinition V1Definition => ServiceDefinition.For(V1.ReflectionReflection.Descriptor.Services[0])
        .DuplexStreaming<V1.ServerReflectionRequest, V1.ServerReflectionResponse>("ServerReflectionInfo", ServeV1Async)
        .Build();

    public ServiceDefinition V1AlphaDefinition => ServiceDefinition.For(V1Alpha.ReflectionReflection.Descriptor.Services[0])
        .DuplexStreaming<V1Alpha.ServerReflectionRequest, V1Alpha.ServerReflectionResponse>("ServerReflectionInfo", ServeV1AlphaAsync)
        .Build();

    private DescriptorIndex Index => _index ??= new DescriptorIndex(registry.Services);

    private async Task ServeV1Async(IAsyncStreamReader<V1.ServerReflectionRequest> requests, IServerStreamWriter<V1.ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(Answer(requests.Current)).ConfigureAwait(false);
        }
    }

    // The two versions are the same messages under different package names, so v1alpha is
    // answered by re-reading its bytes as v1 and back.
    private async Task ServeV1AlphaAsync(IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requests, IServerStreamWriter<V1Alpha.ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requests.Current.ToByteString());
            var answer = Answer(request);
            await responses.WriteAsync(V1Alpha.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString())).ConfigureAwait(false);
        }
    }

    internal V1.ServerReflectionResponse Answer(V1.ServerReflectionRequest request)
    {
        var response = new V1.ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case V1.ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                response.ListServicesResponse = new V1.ListServiceResponse();
                response.ListServicesResponse.Service.AddRange(Index.ServiceNames.Select(name => new V1.ServiceResponse { Name = name }));
                break;
            case V1.ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFiles(response, Index.FindFile(request.FileByFilename), $"File '{request.FileByFilename}' is not known to this server.");
                break;
            case V1.ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFiles(response, Index.FindFileContainingSymbol(request.FileContainingSymbol), $"Symbol '{request.FileContainingSymbol}' is not known to this server.");
                break;
            case V1.ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                SetError(response, StatusCode.NotFound, $"No extension {request.FileContainingExtension.ExtensionNumber} of '{request.FileContainingExtension.ContainingType}'.");
                break;
            case V1.ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                if (Index.FindMessage(request.AllExtensionNumbersOfType) is null)
                {
                    SetError(response, StatusCode.NotFound, $"Type '{request.AllExtensionNumbersOfType}' is not known to this server.");
                }
                else
                {
                    // proto3 messages declare no extension ranges, so the list is always empty.
                    response.AllExtensionNumbersResponse = new V1.ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                }

                break;
            default:
                SetError(response, StatusCode.InvalidArgument, "The reflection request names no question.");
                break;
        }

        return response;
    }

    private static void SetFiles(V1.ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }

        // The file first, then everything it imports, so a client can build it in one round trip.
        response.FileDescriptorResponse = new V1.FileDescriptorResponse();
        var seen = new HashSet<string>();
        var pending = new Queue<FileDescriptor>([file]);
        while (pending.TryDequeue(out var next))
        {
            if (!seen.Add(next.Name))
            {
                continue;
            }

            response.FileDescriptorResponse.FileDescriptorProto.Add(next.SerializedData);
            foreach (var dependency in next.Dependencies)
            {
                pending.Enqueue(dependency);
            }
        }
    }

    private static void SetError(V1.ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new V1.ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}
