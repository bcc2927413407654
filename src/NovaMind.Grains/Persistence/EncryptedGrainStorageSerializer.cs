using System.Security.Cryptography;
using System.Text;
using NovaMind.Contracts;
using Orleans.Storage;

namespace NovaMind.Grains.Persistence;

/// <summary>
/// AES-256-GCM sealing with the key ring. Record layout:
/// <c>"NMS1" | keyIdLength (1 byte) | keyId (UTF-8) | nonce (12) | tag (16) | ciphertext</c>.
/// The header (magic and key id) and an optional binding (e.g. patient, type and day of a history chunk) are authenticated
/// as associated data, so neither the key id can be swapped nor a record moved to another place undetected.
/// </summary>
public static class RecordSeal
{
    private static readonly byte[] Magic = "NMS1"u8.ToArray();
    private const int NonceSize = 12; // AesGcm.NonceByteSizes.MaxSize
    private const int TagSize = 16;

    public static byte[] Seal(TwinKeyRing keyRing, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> binding = default)
    {
        var keyId = Encoding.UTF8.GetBytes(keyRing.ActiveKeyId);
        var headerLength = Magic.Length + 1 + keyId.Length;
        var record = new byte[headerLength + NonceSize + TagSize + plaintext.Length];
        Magic.CopyTo(record, 0);
        record[Magic.Length] = (byte)keyId.Length;
        keyId.CopyTo(record, Magic.Length + 1);
        var nonce = record.AsSpan(headerLength, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(keyRing.ActiveKey, TagSize);
        aes.Encrypt(nonce, plaintext, record.AsSpan(headerLength + NonceSize + TagSize), record.AsSpan(headerLength + NonceSize, TagSize),
            AssociatedData(record.AsSpan(0, headerLength), binding));
        return record;
    }

    public static byte[] Open(TwinKeyRing keyRing, ReadOnlySpan<byte> record, ReadOnlySpan<byte> binding = default, string what = "stored twin state")
    {
        if (record.Length < Magic.Length + 1 || !record[..Magic.Length].SequenceEqual(Magic))
            throw new TwinStateIntegrityException($"{what} is not an encrypted NovaMind record (missing header)");
        int keyIdLength = record[Magic.Length];
        var headerLength = Magic.Length + 1 + keyIdLength;
        if (record.Length < headerLength + NonceSize + TagSize)
            throw new TwinStateIntegrityException($"{what} is truncated");
        var keyId = Encoding.UTF8.GetString(record.Slice(Magic.Length + 1, keyIdLength));
        if (!keyRing.Keys.TryGetValue(keyId, out var key))
            throw new TwinStateIntegrityException($"{what} was sealed with key '{keyId}', which is not in the key ring");
        var ciphertext = record[(headerLength + NonceSize + TagSize)..];
        var plaintext = new byte[ciphertext.Length];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(record.Slice(headerLength, NonceSize), ciphertext, record.Slice(headerLength + NonceSize, TagSize), plaintext,
                AssociatedData(record[..headerLength], binding));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new TwinStateIntegrityException($"{what} failed authentication (key '{keyId}'): it was altered, corrupted or moved", ex);
        }
        return plaintext;
    }

    /// <summary>The id of the key a stored record was sealed with, read from its header; false when it is not such a record.</summary>
    public static bool TryReadKeyId(ReadOnlySpan<byte> record, out string keyId)
    {
        keyId = "";
        if (record.Length < Magic.Length + 1 || !record[..Magic.Length].SequenceEqual(Magic)) return false;
        int keyIdLength = record[Magic.Length];
        if (record.Length < Magic.Length + 1 + keyIdLength) return false;
        keyId = Encoding.UTF8.GetString(record.Slice(Magic.Length + 1, keyIdLength));
        return true;
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, ReadOnlySpan<byte> binding) => [.. header, .. binding];
}

/// <summary>Seals grain state with <see cref="RecordSeal"/> around an inner serializer (header-only associated data).</summary>
public sealed class EncryptedGrainStorageSerializer(IGrainStorageSerializer inner, TwinKeyRing keyRing) : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(RecordSeal.Seal(keyRing, inner.Serialize(input).ToMemory().Span));

    public T? Deserialize<T>(BinaryData input) => inner.Deserialize<T>(new BinaryData(RecordSeal.Open(keyRing, input.ToMemory().Span)));
}
