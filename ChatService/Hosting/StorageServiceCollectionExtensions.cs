using System.Security.Cryptography;
using ChatService.Auth;
using ChatService.Chat;
using ChatService.Cluster;
using ChatService.Storage;

namespace ChatService.Hosting;

/// <summary>The store and the fan-out between nodes, chosen by Storage:Provider.</summary>
internal static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddChatStorage(this IServiceCollection services, StorageOptions storage, AuthOptions auth, IConfiguration configuration)
    {
        services.AddSingleton<IUserStore, SqlUserStore>();
        services.AddSingleton<IRoomStore, SqlRoomStore>();
        return storage.Provider switch
        {
            StorageProvider.Postgres => services.AddPostgresCluster(storage, auth, configuration),
            _ => services.AddSqliteNode(storage, auth),
        };
    }

    /// <summary>One node on the embedded SQLite file: seqs assigned in memory, group commit, nothing to tell other nodes.</summary>
    private static IServiceCollection AddSqliteNode(this IServiceCollection services, StorageOptions storage, AuthOptions auth)
    {
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<ISqlDatabase>(sp => sp.GetRequiredService<SqliteDatabase>());
        if (storage.PersistMessages)
        {
            services.AddSingleton<IGroupCommitLog, SqliteMessageStore>();
            services.AddSingleton<IMessageSearch, SqliteMessageSearch>();
            services.AddHostedService<SqliteSearchIndexer>();
        }
        else
        {
            services.AddSingleton<IGroupCommitLog, InMemoryMessageStore>();
            services.AddSingleton<IMessageSearch, NoMessageSearch>();
        }

        services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<IGroupCommitLog>());
        services.AddSingleton<IMessagePipeline, MessagePipeline>();
        services.AddSingleton<IClusterBus, SingleNodeBus>();
        services.AddSingleton<IPresenceLeases, NoPresenceLeases>();
        services.AddSingleton<IRoomAttendance, LocalRoomAttendance>();
        services.AddSingleton<INodeStatsBoard, SingleNodeStatsBoard>();
        services.AddSingleton(sp => SigningKey.Resolve(auth, storage.DataDirectory, Logger(sp)));
        return services;
    }

    /// <summary>
    /// A node of a cluster on Postgres: seqs assigned by the database, LISTEN/NOTIFY signals between
    /// nodes, presence leases, and a signing key every node shares unless one is configured.
    /// </summary>
    private static IServiceCollection AddPostgresCluster(this IServiceCollection services, StorageOptions storage, AuthOptions auth, IConfiguration configuration)
    {
        if (!storage.PersistMessages)
        {
            throw new InvalidOperationException("Storage:PersistMessages=false applies to the SQLite provider only; a cluster shares its messages through Postgres.");
        }

        services.AddSingleton<PostgresDatabase>();
        services.AddSingleton<ISqlDatabase>(sp => sp.GetRequiredService<PostgresDatabase>());
        services.AddSingleton<ISequencingMessageStore, PostgresMessageStore>();
        services.AddSingleton<IMessageSearch, PostgresMessageSearch>();
        services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<ISequencingMessageStore>());
        services.AddSingleton<RoomFeed>();
        services.AddSingleton<IMessagePipeline, ClusterMessagePipeline>();
        services.AddSingleton<PostgresSignalBus>();
        services.AddSingleton<IClusterBus>(sp => sp.GetRequiredService<PostgresSignalBus>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresSignalBus>());
        services.AddSingleton<IPresenceLeases, PostgresPresenceLeases>();
        services.AddSingleton<PostgresRoomAttendance>();
        services.AddSingleton<IRoomAttendance>(sp => sp.GetRequiredService<PostgresRoomAttendance>());
        services.AddSingleton<ClusterHealing>();
        services.AddHostedService<ClusterSignalHandler>();
        services.AddHostedService<ClusterMaintenance>();
        services.AddSingleton<INodeStatsBoard, PostgresNodeStatsBoard>();
        services.AddHostedService<NodeStatsReporter>();
        services.AddSingleton(sp => SigningKey.Resolve(auth, storage.DataDirectory, Logger(sp), shared: () =>
            sp.GetRequiredService<PostgresDatabase>().SharedValue("jwt_signing_key", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))));
        return services;
    }

    private static ILogger Logger(IServiceProvider services) => services.GetRequiredService<ILoggerFactory>().CreateLogger("ChatService.Auth");
}
