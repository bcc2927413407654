namespace NovaMind.Ml.Inference;

/// <summary>A model that evaluates many independent inputs in one call (one forward pass).</summary>
public interface IBatchModel<TInput, TOutput>
{
    string Version { get; }

    /// <summary>Returns one output per input, in the same order. Called from one thread at a time.</summary>
    TOutput[] Predict(IReadOnlyList<TInput> batch);
}
