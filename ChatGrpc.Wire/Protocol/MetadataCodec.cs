using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace ChatGrpc.Wire.Protocol;

/// <summary>Moves metadata between HTTP headers and <see cref="Metadata"/>; binary values travel as base64.</summary>
internal static class MetadataCodec
{
    public static Metadata FromRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers)
        {
            AddAll(metadata, key, values!);
        }

        return metadata;
    }

    public static Metadata FromHttpHeaders(params HttpHeaders?[] headerSets)
    {
        var metadata = new Metadata();
        foreach (var headers in headerSets)
        {
            if (headers is null)
            {
                continue;
            }

            foreach (var (key, values) in headers.NonValidated)
            {
                AddAll(metadata, key, values);
            }
        }

        return metadata;
    }

    /// <summary>Adds the application's entries to outgoing headers, refusing keys the protocol owns.</summary>
    public static void Write(Metadata metadata, Action<string, string> add)
    {
        foreach (var entry in metadata)
        {
            if (GrpcProtocol.IsReservedHeader(entry.Key))
            {
                throw new InvalidOperationException($"Metadata key '{entry.Key}' is reserved by the gRPC protocol.");
            }

            add(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes).TrimEnd('=') : entry.Value);
        }
    }

    private static void AddAll(Metadata metadata, string rawKey, IEnumerable<string> values)
    {
        var key = rawKey.ToLowerInvariant();
        if (GrpcProtocol.IsReservedHeader(key))
        {
            return;
        }

        foreach (var value in values)
        {
            if (Metadata.Entry.IsBinaryKey(key))
            {
                // Some peers join repeated binary values with commas; each part is its own value.
                foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    metadata.Add(key, DecodeBase64(part));
                }
            }
            else
            {
                metadata.Add(key, value);
            }
        }
    }

    internal static byte[] DecodeBase64(string value)
    {
        var padding = (4 - value.Length % 4) % 4;
        return Convert.FromBase64String(padding == 0 ? value : value + new string('=', padding));
    }
}
