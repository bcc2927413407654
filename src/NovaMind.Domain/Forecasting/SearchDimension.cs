namespace NovaMind.Domain.Forecasting;

public enum SearchScale
{
    /// <summary>Any real value in [Lower, Upper], searched uniformly.</summary>
    Continuous,
    /// <summary>Whole numbers Lower..Upper, each given an equal share of the unit interval.</summary>
    Integer,
    /// <summary>Positive reals searched uniformly in log space (learning rates, weight decay).</summary>
    LogUniform,
}

/// <summary>
/// One hyperparameter of a search box. The optimiser works on [0,1] per dimension; this maps between
/// that unit coordinate and the parameter's own value.
/// </summary>
public sealed record SearchDimension
{
    public string Name { get; }
    public double Lower { get; }
    public double Upper { get; }
    public SearchScale Scale { get; }

    private SearchDimension(string name, double lower, double upper, SearchScale scale)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!double.IsFinite(lower) || !double.IsFinite(upper) || !(lower < upper))
            throw new ArgumentException($"dimension '{name}' needs finite bounds with lower < upper (got {lower}, {upper})");
        Name = name;
        Lower = lower;
        Upper = upper;
        Scale = scale;
    }

    public static SearchDimension Continuous(string name, double lower, double upper) => new(name, lower, upper, SearchScale.Continuous);

    public static SearchDimension Integer(string name, int lower, int upper) => new(name, lower, upper, SearchScale.Integer);

    public static SearchDimension LogUniform(string name, double lower, double upper)
    {
        if (!(lower > 0)) throw new ArgumentOutOfRangeException(nameof(lower), lower, "a log-uniform dimension needs lower > 0");
        return new(name, lower, upper, SearchScale.LogUniform);
    }

    /// <summary>The parameter value at unit coordinate <paramref name="u"/> (clamped to [0,1]).</summary>
    public double FromUnit(double u)
    {
        u = Math.Clamp(u, 0, 1);
        return Scale switch
        {
            SearchScale.Continuous => Lower + u * (Upper - Lower),
            // Bins of equal width, so a uniform draw in [0,1] gives every integer the same chance (end points included).
            SearchScale.Integer => Math.Min(Upper, Math.Floor(Lower + u * (Upper - Lower + 1))),
            SearchScale.LogUniform => Math.Min(Upper, Math.Max(Lower, Math.Exp(Math.Log(Lower) + u * (Math.Log(Upper) - Math.Log(Lower))))),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>The unit coordinate of <paramref name="value"/>; integers map to the centre of their bin.</summary>
    public double ToUnit(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, $"'{Name}' must be finite");
        var u = Scale switch
        {
            SearchScale.Continuous => (value - Lower) / (Upper - Lower),
            SearchScale.Integer => (Math.Round(value) - Lower + 0.5) / (Upper - Lower + 1),
            SearchScale.LogUniform => (Math.Log(Math.Max(value, Lower)) - Math.Log(Lower)) / (Math.Log(Upper) - Math.Log(Lower)),
            _ => throw new InvalidOperationException(),
        };
        return Math.Clamp(u, 0, 1);
    }

    /// <summary>The unit coordinate of the value <paramref name="u"/> stands for (integers snap to their bin centre).</summary>
    public double Snap(double u) => Scale == SearchScale.Integer ? ToUnit(FromUnit(u)) : Math.Clamp(u, 0, 1);
}
