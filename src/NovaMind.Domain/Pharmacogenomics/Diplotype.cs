using System.Globalization;

namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>
/// One haplotype of a diplotype: a star allele and how many copies of it the chromosome carries
/// (*1 = one copy, *1x2 = two, *1x≥3 = three or more, as CPIC writes it).
/// </summary>
public sealed record AlleleCall(string Allele, int Copies, bool CopiesAtLeast)
{
    public string Text => Copies == 1 ? Allele : CopiesAtLeast ? $"{Allele}x≥{Copies}" : $"{Allele}x{Copies.ToString(CultureInfo.InvariantCulture)}";

    public override string ToString() => Text;
}

/// <summary>Two haplotypes, in CPIC's order (lower allele number first).</summary>
public sealed record Diplotype(AlleleCall First, AlleleCall Second)
{
    public string Text => $"{First.Text}/{Second.Text}";

    public IEnumerable<AlleleCall> Haplotypes => [First, Second];

    public override string ToString() => Text;
}

/// <summary>Parses diplotype text such as "*1/*4" or "*2/*1x2" (copy numbers only where the gene allows them).</summary>
public static class DiplotypeParser
{
    /// <summary>CPIC lists duplications up to "≥3"; larger explicit counts are accepted up to this.</summary>
    public const int MaxCopies = 10;

    /// <summary>True for a star-allele name: '*' and a number without leading zero (*1, *114).</summary>
    public static bool IsStarAllele(string? name) =>
        name is { Length: >= 2 and <= 5 } && name[0] == '*' && name[1] != '0' && name.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    /// <summary>Parses <paramref name="text"/>; on failure returns null and a message saying what is wrong.</summary>
    public static Diplotype? TryParse(string text, bool allowCopyNumber, out string? error)
    {
        var parts = text.Trim().Split('/');
        if (parts.Length != 2)
        {
            error = "is not a diplotype of the form *A/*B";
            return null;
        }
        var first = ParseHaplotype(parts[0], allowCopyNumber, out error);
        if (first is null) return null;
        var second = ParseHaplotype(parts[1], allowCopyNumber, out error);
        if (second is null) return null;
        error = null;
        return Order(first, second) <= 0 ? new Diplotype(first, second) : new Diplotype(second, first);
    }

    private static AlleleCall? ParseHaplotype(string part, bool allowCopyNumber, out string? error)
    {
        var x = part.IndexOf('x');
        var allele = x < 0 ? part : part[..x];
        if (!IsStarAllele(allele))
        {
            error = "is not a diplotype of the form *A/*B";
            return null;
        }
        if (x < 0)
        {
            error = null;
            return new AlleleCall(allele, 1, false);
        }
        if (!allowCopyNumber)
        {
            error = "has a copy-number suffix, which is only accepted for CYP2D6";
            return null;
        }
        var suffix = part[(x + 1)..];
        if (suffix is "N" or "n")
        {
            error = $"uses '{allele}xN'; CPIC needs the copy number ({allele}x2 or {allele}x≥3)";
            return null;
        }
        if (suffix is "≥3" or ">=3")
        {
            error = null;
            return new AlleleCall(allele, 3, true);
        }
        if (suffix.Length is 0 or > 2 || suffix.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0 ||
            !int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var copies) || copies < 2 || copies > MaxCopies)
        {
            error = $"has a copy-number suffix '{suffix}' that is not x2..x{MaxCopies} or x≥3";
            return null;
        }
        error = null;
        return new AlleleCall(allele, copies, false);
    }

    private static int Order(AlleleCall a, AlleleCall b)
    {
        var byNumber = Number(a.Allele).CompareTo(Number(b.Allele));
        return byNumber != 0 ? byNumber : (a.Copies, a.CopiesAtLeast).CompareTo((b.Copies, b.CopiesAtLeast));
    }

    private static int Number(string starAllele) => int.Parse(starAllele.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture);
}
