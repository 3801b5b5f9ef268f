// The jsii runtime behind Amazon.CDK.Lib is one Node process per test process; calling it from several
// test classes at once deadlocked here, so the CDK tests run one at a time (the stack is synthesized
// once per class fixture, so this costs little).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
