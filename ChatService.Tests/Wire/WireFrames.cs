using System.Buffers;
using System.Buffers.Binary;
using ChatGrpc.Wire;

namespace ChatService.Tests.Wire;

/// <summary>
/// Builds and parses gRPC frames by hand, independently of MessageWriter and MessageReader,
/// so tests of those classes do not check the code against itself.
/// </summary>
internal static class WireFrames
{
    /// <summary>Passes bytes through untouched, so framing tests see exactly the payload they wrote.</summary>
    public static readonly Marshaller<byte[]> Raw = new(
        payload => payload.Length,
        (payload, writer) => writer.Write(payload),
        sequence => sequence.ToArray());

    public static byte[] Build(byte flag, byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    public static List<(byte Flag, byte[] Payload)> Parse(byte[] body)
    {
        var frames = new List<(byte, byte[])>();
        var offset = 0;
        while (offset < body.Length)
        {
            Assert.IsLessThanOrEqualTo(body.Length, offset + 5, $"Frame header cut off at offset {offset}.");
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1, 4));
            Assert.IsLessThanOrEqualTo(body.Length, offset + 5 + length, $"Frame payload cut off at offset {offset}.");
            frames.Add((body[offset], body.AsSpan(offset + 5, length).ToArray()));
            offset += 5 + length;
        }

        return frames;
    }

    /// <summary>gRPC-Web trailer frames carry <c>key: value\r\n</c> lines.</summary>
    public static Dictionary<string, string> ParseTrailerBlock(byte[] payload) =>
        System.Text.Encoding.ASCII.GetString(payload)
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0].Trim().ToLowerInvariant(), parts => parts[1].Trim());
}
