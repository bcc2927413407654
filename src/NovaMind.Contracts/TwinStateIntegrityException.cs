namespace NovaMind.Contracts;

/// <summary>
/// A stored twin record cannot be decrypted: it was altered, or sealed with a key that is not in the ring.
/// In Contracts so that the failure crosses to clients as itself, not as an unknown exception.
/// </summary>
[GenerateSerializer]
public sealed class TwinStateIntegrityException : Exception
{
    public TwinStateIntegrityException(string message) : base(message) { }

    public TwinStateIntegrityException(string message, Exception? inner) : base(message, inner) { }
}
