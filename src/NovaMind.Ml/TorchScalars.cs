using TorchSharp;
using static TorchSharp.torch;

namespace NovaMind.Ml;

/// <summary>
/// Constants the models hand to libtorch, created once and rooted for the life of the process, and tensor arithmetic
/// that uses them. TorchSharp turns a C# number into a finalizable native <see cref="Scalar"/> and passes only its handle
/// to libtorch; a temporary one (every <c>a + b</c> of tensors carries an implicit alpha of 1) can be finalized by the GC
/// while libtorch is still reading it. Under allocation pressure from other threads this showed as intermittent
/// <c>ExternalException: Expected false to be true … toFloat</c> from the forecast Transformer. Rooted scalars are never
/// finalized, so model code does its arithmetic through these helpers and avoids library calls that make temporary
/// scalars of their own (<c>softplus</c>, <c>arange</c>, <c>full</c> with a number).
/// </summary>
public static class TorchScalars
{
    // An explicit static constructor: the fields are created on first use, after TorchRuntime has loaded the natives.
    static TorchScalars() { }

    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar Half = 0.5.ToScalar();
    public static readonly Scalar Two = 2.0.ToScalar();
    public static readonly Scalar NegativeInfinity = float.NegativeInfinity.ToScalar();

    /// <summary>The forecast Transformer's smallest sd (keeps the Gaussian likelihood finite).</summary>
    public static readonly Scalar SigmaFloor = 1e-3.ToScalar();

    /// <summary>The correlation model's attention score for a modality not observed that day (softmax gives it ~0).</summary>
    public static readonly Scalar MaskedScore = (-1e4).ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/> (broadcasting) with a rooted alpha.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><paramref name="a"/> + <paramref name="b"/> for a rooted scalar <paramref name="b"/>.</summary>
    public static Tensor Plus(this Tensor a, Scalar b) => a.add(b, One);

    /// <summary>log(1 + eˣ), computed as relu(x) + log1p(e^−|x|): exact and stable for every x, with no scalar argument.</summary>
    public static Tensor Softplus(this Tensor x) => nn.functional.relu(x).Plus(x.abs().neg().exp().log1p());
}
