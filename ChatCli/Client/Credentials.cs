using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatCli.Client;

/// <summary>A saved login: the server, the user and their tokens.</summary>
internal sealed record Credentials(string Server, string UserName, string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken);

[JsonSerializable(typeof(Credentials))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class CredentialsJson : JsonSerializerContext;

/// <summary>
/// Keeps credentials in the user's config directory (CHAT_CONFIG_DIR, else $XDG_CONFIG_HOME/chatgrpc,
/// else ~/.config/chatgrpc), readable by the owner only.
/// </summary>
internal sealed class CredentialStore
{
    public CredentialStore()
    {
        var configured = Environment.GetEnvironmentVariable("CHAT_CONFIG_DIR");
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        Directory = configured is { Length: > 0 }
            ? configured
            : Path.Combine(xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"), "chatgrpc");
    }

    public string Directory { get; }

    public string FilePath => Path.Combine(Directory, "credentials.json");

    public Credentials? Load()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(FilePath), CredentialsJson.Default.Credentials);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save(Credentials credentials)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temp = FilePath + ".tmp";
        // Created owner-only before any secret is written into it.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, credentials, CredentialsJson.Default.Credentials);
        }

        File.Move(temp, FilePath, overwrite: true);
    }

    public bool Delete()
    {
        if (!File.Exists(FilePath))
        {
            return false;
        }

        File.Delete(FilePath);
        return true;
    }
}
