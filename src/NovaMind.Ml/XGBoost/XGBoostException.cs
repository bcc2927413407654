namespace NovaMind.Ml.XGBoost;

/// <summary>An XGBoost C API call returned an error; <see cref="Exception.Message"/> holds XGBoost's own text.</summary>
public sealed class XGBoostException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public XGBoostException()
        : base("XGBoost call failed.")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    public XGBoostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and inner exception.</summary>
    public XGBoostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
