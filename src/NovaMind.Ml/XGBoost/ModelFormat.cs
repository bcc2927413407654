namespace NovaMind.Ml.XGBoost;

/// <summary>Serialization format for <see cref="Booster.SaveModel"/>; <see cref="Booster.Load"/> detects either.</summary>
public enum ModelFormat
{
    /// <summary>Universal Binary JSON: compact, stores floats bit-exactly.</summary>
    Ubj,

    /// <summary>Plain JSON text: larger but human-readable.</summary>
    Json,
}
