using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace ChatService.Storage;

/// <summary>
/// The idempotency check every send makes before it takes a seq. Each send would otherwise open a
/// pooled connection and parse the same SELECT again; here a few connections keep the statement
/// prepared and are reused by whichever send comes next, so a lookup is one bind and one step.
/// </summary>
internal sealed class SqliteClientMsgIdLookup(SqliteDatabase database) : IDisposable
{
    private readonly ConcurrentBag<PreparedLookup> _idle = new();
    private bool _disposed;

    public StoredMessage? Find(string senderId, string clientMsgId)
    {
        var lookup = _idle.TryTake(out var reused) ? reused : new PreparedLookup(database.Open());
        var returned = false;
        try
        {
            var found = lookup.Find(senderId, clientMsgId);
            if (!Volatile.Read(ref _disposed))
            {
                _idle.Add(lookup);
                returned = true;
            }

            return found;
        }
        finally
        {
            if (!returned)
            {
                // Failed lookups and those finishing after shutdown give their connection up.
                lookup.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        while (_idle.TryTake(out var lookup))
        {
            lookup.Dispose();
        }
    }

    private sealed class PreparedLookup : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _select;
        private readonly SqliteParameter _sender;
        private readonly SqliteParameter _clientMsgId;

        public PreparedLookup(SqliteConnection connection)
        {
            _connection = connection;
            _select = connection.CreateCommand();
            _select.CommandText = $"SELECT {SqlMessageQueries.Columns} FROM messages WHERE sender_id = $sender AND client_msg_id = $cmid;";
            _sender = _select.Parameters.Add("$sender", SqliteType.Text);
            _clientMsgId = _select.Parameters.Add("$cmid", SqliteType.Text);
            _select.Prepare();
        }

        public StoredMessage? Find(string senderId, string clientMsgId)
        {
            _sender.Value = senderId;
            _clientMsgId.Value = clientMsgId;
            using var reader = _select.ExecuteReader();
            return reader.Read() ? SqlMessageQueries.ReadMessage(reader) : null;
        }

        public void Dispose()
        {
            _select.Dispose();
            _connection.Dispose();
        }
    }
}
