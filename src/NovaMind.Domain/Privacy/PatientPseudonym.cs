using System.Security.Cryptography;
using System.Text;

namespace NovaMind.Domain.Privacy;

/// <summary>
/// Keyed one-way pseudonym for a patient id, for logs and traces: stable within a deployment (so
/// events can be correlated) but not reversible without the key, and not guessable from the id.
/// </summary>
public sealed class PatientPseudonymizer
{
    private readonly byte[] _key;

    public PatientPseudonymizer(byte[] key)
    {
        if (key.Length < 16) throw new ArgumentException("pseudonymisation key must be at least 128 bits", nameof(key));
        _key = key.ToArray();
    }

    public string Pseudonym(Guid patientId)
    {
        Span<byte> id = stackalloc byte[16];
        patientId.TryWriteBytes(id);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, id, mac);
        return "p_" + Convert.ToHexStringLower(mac[..8]);
    }

    public static PatientPseudonymizer FromSecret(string secret) => new(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
