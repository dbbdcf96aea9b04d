using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ChatGrpc.Contracts.V1;
using ChatCli.Client;
using Grpc.Core;
using Grpc.Net.Client;
using ChatService.Hosting;
using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;

namespace ChatService.Tests.Chat;

/// <summary>How the server presents itself to operators: health names, TLS from PEM files on one port, /healthz.</summary>
[TestClass]
public sealed class HostingTests
{
    [TestMethod]
    [DataRow("")]
    [DataRow("chat.v1.ChatService")]
    public async Task HealthCheck_ServerAndChatService_Serving(string service)
    {
        await using var server = await ChatServerHost.StartAsync();

        var response = await new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest { Service = service }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [TestMethod]
    public void CreateChatBuilder_Default_SettingsFilesAreNotWatched()
    {
        var builder = HostingExtensions.CreateChatBuilder([]);

        var fileSources = ((IConfigurationBuilder)builder.Configuration).Sources.OfType<FileConfigurationSource>().ToList();

        Assert.IsTrue(fileSources.Count > 0, "appsettings.json should still be read");
        Assert.IsFalse(fileSources.Any(source => source.ReloadOnChange), "a watched settings file would watch ./data, where SQLite writes on every commit");
    }

    [TestMethod]
    public async Task Healthz_OnBrowserPort_Ok()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var http = new HttpClient();

        var response = await http.GetStringAsync($"http://127.0.0.1:{server.WebPort}/healthz").WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual("ok", response);
    }

    [TestMethod]
    public async Task Tls_FromPemFiles_OnePortServesGrpcOverHttp2AndHttp11()
    {
        var folder = Path.Combine(Path.GetTempPath(), "chatgrpc-tls", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(folder, "cert.pem");
        var keyPath = Path.Combine(folder, "key.pem");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Endpoints:TlsCertificatePem"] = certPath,
            ["Endpoints:TlsKeyPem"] = keyPath,
        });
        var trust = new RemoteCertificateValidationCallback((_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString());

        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{server.GrpcPort}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = trust } },
        });
        var registered = await new AuthServiceClient(channel).RegisterAsync(new RegisterRequest { UserName = "tls-user", Password = "tls-password" }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = trust } });
        var healthz = await http.GetAsync($"https://127.0.0.1:{server.GrpcPort}/healthz").WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual("tls-user", registered.User.Name);
        Assert.AreEqual(HttpVersion.Version11, healthz.Version);
        Assert.AreEqual("ok", await healthz.Content.ReadAsStringAsync());
    }
}
