using System.Diagnostics;
using Npgsql;

namespace ChatService.Tests.Infrastructure;

/// <summary>
/// A throwaway Postgres for the test run: initdb into a temp folder, started on a free loopback port
/// on first use, stopped when the tests are done (see TestRunCleanup). Each caller gets a fresh database in it.
/// </summary>
internal static class PostgresServer
{
    private static readonly Lazy<Task<Instance>> Started = new(StartAsync);

    /// <summary>Creates (or reuses, for restart tests) a database and returns its connection string.</summary>
    public static async Task<string> DatabaseAsync(string name)
    {
        var server = await Started.Value.WaitAsync(TimeSpan.FromSeconds(90));
        await using (var admin = new NpgsqlConnection(server.ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name;", admin);
            exists.Parameters.AddWithValue("name", name);
            if (await exists.ExecuteScalarAsync() is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\";", admin);
                await create.ExecuteNonQueryAsync();
            }
        }

        return server.ConnectionString(name);
    }

    /// <summary>Ends the backend of every connection with this application name, as a network drop would.</summary>
    public static async Task<int> TerminateConnectionsAsync(string applicationName)
    {
        var server = await Started.Value;
        await using var admin = new NpgsqlConnection(server.ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @name;", admin);
        kill.Parameters.AddWithValue("name", applicationName);
        return Convert.ToInt32(await kill.ExecuteScalarAsync());
    }

    /// <summary>Ends every store connection to the database (all but the nodes' signal listeners), as a network drop would.</summary>
    public static async Task<int> TerminateStoreConnectionsAsync(string database)
    {
        var server = await Started.Value;
        await using var admin = new NpgsqlConnection(server.ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND application_name NOT LIKE 'chatgrpc-listener-%' AND pid <> pg_backend_pid();",
            admin);
        kill.Parameters.AddWithValue("db", database);
        return Convert.ToInt32(await kill.ExecuteScalarAsync());
    }

    /// <summary>
    /// Stops the server if this run started one. Called once the tests are done: a daemon left behind
    /// would outlive the run (and keep whatever file descriptors the test process had handed it).
    /// </summary>
    public static async Task StopAsync()
    {
        if (!Started.IsValueCreated || !Started.Value.IsCompletedSuccessfully)
        {
            return;
        }

        var server = Started.Value.Result;
        await RunAsync(Path.Combine(server.Bin, "pg_ctl"), ["-D", Path.Combine(server.Root, "data"), "-m", "immediate", "-w", "stop"], server.AsRoot);
        Directory.Delete(server.Root, recursive: true);
    }

    private static async Task<Instance> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("Postgres is not installed (no /usr/lib/postgresql/*/bin/initdb); .ci/setup installs it with apt (postgresql).");
        }

        var root = Path.Combine(Path.GetTempPath(), $"chatgrpc-pg-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // Postgres refuses to run as root: the cluster belongs to the postgres user.
            await RunAsync("chown", ["postgres:postgres", root]);
        }

        var port = FreePort.Next();
        var data = Path.Combine(root, "data");
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8"], asRoot);
        // fsync off: a throwaway cluster, and the tests are about behaviour, not durability of the disk.
        await RunAsync(Path.Combine(bin, "pg_ctl"),
            ["-D", data, "-w", "-t", "60", "-l", Path.Combine(root, "server.log"),
             "-o", $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400", "start"], asRoot);
        return new Instance(port, bin, root, asRoot);
    }

    private static async Task RunAsync(string file, string[] arguments, bool asPostgres = false)
    {
        var info = asPostgres ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. arguments]) : new ProcessStartInfo(file, arguments);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    private sealed record Instance(int Port, string Bin, string Root, bool AsRoot)
    {
        public string ConnectionString(string database) =>
            $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Maximum Pool Size=40;Connection Idle Lifetime=10";
    }
}
