using System.Text.Json;

namespace NovaMind.Grains.Persistence;

/// <summary>
/// AES-256 keys for twin state. Writes use the active key; reads accept any key of the ring, so a key
/// can be rotated by adding a new active key and keeping the old one until every record was rewritten.
/// </summary>
public sealed class TwinKeyRing
{
    public TwinKeyRing(string activeKeyId, IReadOnlyDictionary<string, byte[]> keys)
    {
        if (!keys.ContainsKey(activeKeyId)) throw new ArgumentException($"the active key '{activeKeyId}' is not in the key ring");
        foreach (var (id, key) in keys)
        {
            if (key.Length != 32) throw new ArgumentException($"key '{id}' is {key.Length * 8} bits; AES-256 needs 256");
            if (id.Length is 0 or > 64) throw new ArgumentException("key ids must be 1..64 characters");
        }
        ActiveKeyId = activeKeyId;
        Keys = keys;
    }

    public string ActiveKeyId { get; }
    public IReadOnlyDictionary<string, byte[]> Keys { get; }
    public byte[] ActiveKey => Keys[ActiveKeyId];

    /// <summary>
    /// Parses <c>{"activeKeyId":"k2","keys":[{"id":"k1","key":"base64"},{"id":"k2","key":"base64"}]}</c>.
    /// </summary>
    public static TwinKeyRing Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var active = root.TryGetProperty("activeKeyId", out var a) ? a.GetString() : null;
        if (string.IsNullOrEmpty(active)) throw new FormatException("key ring has no activeKeyId");
        if (!root.TryGetProperty("keys", out var keysElement) || keysElement.ValueKind != JsonValueKind.Array)
            throw new FormatException("key ring has no keys array");
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var k in keysElement.EnumerateArray())
        {
            var id = k.GetProperty("id").GetString() ?? throw new FormatException("key without id");
            keys[id] = Convert.FromBase64String(k.GetProperty("key").GetString() ?? throw new FormatException($"key '{id}' has no value"));
        }
        return new TwinKeyRing(active, keys);
    }

    /// <summary>The ring with a new key that becomes active; every older key stays, so existing records stay readable.</summary>
    public TwinKeyRing WithNewActiveKey(string keyId, byte[] key)
    {
        if (Keys.ContainsKey(keyId)) throw new ArgumentException($"the key ring already has a key '{keyId}'");
        return new TwinKeyRing(keyId, new Dictionary<string, byte[]>(Keys, StringComparer.Ordinal) { [keyId] = key });
    }

    /// <summary>The ring without <paramref name="keyId"/> (a retired key no stored record uses any more); never the active key.</summary>
    public TwinKeyRing Without(string keyId)
    {
        if (keyId == ActiveKeyId) throw new ArgumentException($"'{keyId}' is the active key; rotate to a new key first");
        if (!Keys.ContainsKey(keyId)) throw new ArgumentException($"the key ring has no key '{keyId}'");
        return new TwinKeyRing(ActiveKeyId, Keys.Where(k => k.Key != keyId).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal));
    }

    /// <summary>The format <see cref="Parse"/> reads.</summary>
    public string ToJson() => JsonSerializer.Serialize(new
    {
        activeKeyId = ActiveKeyId,
        keys = Keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => new { id = k.Key, key = Convert.ToBase64String(k.Value) }),
    }, new JsonSerializerOptions { WriteIndented = true });

    public const string HowToProvide =
        "Provide the twin-state key ring as JSON in the environment variable NOVAMIND_KEYRING, or a file path in " +
        "Encryption__KeyRingFile (configuration key Encryption:KeyRingFile), e.g. {\"activeKeyId\":\"k1\",\"keys\":[{\"id\":\"k1\",\"key\":\"<base64 of 32 random bytes>\"}]}. " +
        "'./novamind up' creates a development key ring in .novamind/keyring.json.";
}
