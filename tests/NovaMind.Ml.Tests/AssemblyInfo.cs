// Training tests set libtorch's process-wide thread count while they run (ADR 0008); run test classes one at a
// time so one class's training never changes another's arithmetic (and its determinism checks).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
