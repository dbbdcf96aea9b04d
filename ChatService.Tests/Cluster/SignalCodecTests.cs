using ChatService.Cluster;

namespace ChatService.Tests.Cluster;

/// <summary>The NOTIFY payload format, byte for byte: what one node writes, another must read back.</summary>
[TestClass]
public sealed class SignalCodecTests
{
    public static IEnumerable<object[]> Signals =>
    [
        [new RoomAdvanced("dm:alice:bob", 42)],
        [new RoomFrame("general", [1, 2, 3, 255], Durable: true, ExceptUserId: "u1")],
        [new UserFrame(null, [9], ExceptSessionId: null)],
        [new UserKicked("u2", "Disconnected by admin: spam | and more")],
        [new PresenceChanged("u3")],
        [new RoomCreated("team", "u1", "alice", ["u2", "u3"])],
    ];

    [TestMethod]
    [DynamicData(nameof(Signals))]
    public void Encode_ThenDecode_GivesTheSameSignalAndOrigin(ClusterSignal signal)
    {
        var payload = SignalCodec.Encode("node-1", signal);

        var (kind, origin, body) = SignalCodec.Split(payload)!.Value;
        var decoded = SignalCodec.Decode(kind, body);

        Assert.AreEqual("node-1", origin);
        Assert.IsNotNull(decoded);
        Assert.AreEqual(SignalCodec.Encode("node-1", signal), SignalCodec.Encode("node-1", decoded));
    }

    [TestMethod]
    public void RoomAdvanced_PayloadBuiltBySql_HasTheCodecsShape()
    {
        // The insert statement builds this payload in SQL; its expression concatenates exactly these parts.
        Assert.AreEqual("'m|' || @node || '|' || seq || '|' || @room", SignalCodec.RoomAdvancedSql("@node", "seq", "@room"));
        Assert.AreEqual("m|n1|7|general", SignalCodec.Encode("n1", new RoomAdvanced("general", 7)));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("hello")]
    [DataRow("mm|n1|7|general")]
    [DataRow("m|n1")]
    public void Split_ForeignPayload_ReturnsNull(string payload) => Assert.IsNull(SignalCodec.Split(payload));

    [TestMethod]
    [DataRow('m', "x|general")]
    [DataRow('m', "7")]
    [DataRow('z', "{}")]
    public void Decode_MalformedBody_ReturnsNull(char kind, string body) => Assert.IsNull(SignalCodec.Decode(kind, body));

    [TestMethod]
    public void Reference_ForOversizedSignal_SplitsToRowId()
    {
        var (kind, origin, body) = SignalCodec.Split(SignalCodec.Reference("n2", 12345))!.Value;

        Assert.AreEqual('@', kind);
        Assert.AreEqual("n2", origin);
        Assert.AreEqual("12345", body);
    }
}
