namespace NovaMind.Ml.XGBoost;

/// <summary>Information about the native XGBoost library that this binding loads.</summary>
public static class XGBoostLibrary
{
    /// <summary>
    /// The version reported by the loaded library (<c>XGBoostVersion</c>). Throws
    /// <see cref="DllNotFoundException"/> (mentioning <c>apt-get install libxgboost0</c>) when it is absent.
    /// </summary>
    public static Version Version
    {
        get
        {
            NativeMethods.EnsureLoaded();
            NativeMethods.XGBoostVersion(out var major, out var minor, out var patch);
            return new Version(major, minor, patch);
        }
    }
}
