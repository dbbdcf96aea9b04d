using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ChatGrpc.Interop;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class TlsTests
{
    [TestMethod]
    public async Task GrpcChannel_HttpsWithPinnedSelfSignedCertificate_UnaryCallSucceedsOverHttp2()
    {
        using var certificate = CreateSelfSigned();
        string? protocol = null;
        var isHttps = false;
        await using var host = await StartAsync(certificate, (_, context) =>
        {
            protocol = context.GetHttpContext().Request.Protocol;
            isHttps = context.GetHttpContext().Request.IsHttps;
            return Task.FromResult(TestServiceDefinition.Response(11));
        });
        var options = new GrpcChannelOptions
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Trust exactly this certificate and nothing else, whatever the chain says.
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                    presented is not null && presented.GetCertHashString(HashAlgorithmName.SHA256) == certificate.GetCertHashString(HashAlgorithmName.SHA256),
            },
        };
        using var channel = host.CreateChannel(options);

        var response = await new TestServiceClient(channel).UnaryCall(new SimpleRequest()).ResponseAsync.WaitAsync(WireTimeouts.Call);

        Assert.AreEqual(11, response.Payload.Body.Length);
        Assert.AreEqual("HTTP/2", protocol);
        Assert.IsTrue(isHttps);
    }

    [TestMethod]
    public async Task GrpcChannel_HttpsWithUntrustedCertificate_Unavailable()
    {
        using var certificate = CreateSelfSigned();
        var handlerRan = false;
        await using var host = await StartAsync(certificate, (_, _) =>
        {
            handlerRan = true;
            return Task.FromResult(new SimpleResponse());
        });
        // No callback: the self-signed certificate chains to nothing the machine trusts.
        using var channel = host.CreateChannel();

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => new TestServiceClient(channel).UnaryCall(new SimpleRequest()).ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.Unavailable, ex.StatusCode);
        Assert.IsFalse(handlerRan);
    }

    private static Task<WireTestHost> StartAsync(X509Certificate2 certificate, ChatGrpc.Wire.Server.UnaryServerMethod<SimpleRequest, SimpleResponse> unary) =>
        WireTestHost.StartAsync(options =>
        {
            options.Services.Add(TestServiceDefinition.Create(unaryCall: unary));
            options.Certificate = certificate;
        });

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=chatgrpc-test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var ephemeral = request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
        // Round-trip through PKCS#12 so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
    }
}
