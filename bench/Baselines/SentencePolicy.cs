using AppSyncChat.Worker.Publishing;

namespace AppSyncChat.Bench.Baselines;

/// <summary>
/// Flush at <see cref="ChunkChars"/> characters or at a sentence end, one event per publish (an AWS sample).
/// </summary>
public sealed class SentencePolicy : IPublishPolicy
{
    /// <summary>The AWS sample's constant.</summary>
    public const int ChunkChars = 50;

    public int MaxEventsPerPublish => 1;

    public bool ReleaseBeforeEvent => true;

    public PendingTextStep AfterAppend(PendingText pending) =>
        pending.Length >= ChunkChars || EndsSentence(pending) ? PendingTextStep.Release : PendingTextStep.Keep;

    public TimeSpan? ReleaseAfter(PendingText pending) => null;

    /// <summary>True when the text's last character other than a space or tab ends a sentence (or a line).</summary>
    private static bool EndsSentence(PendingText pending)
    {
        for (var i = pending.Length - 1; i >= 0; i--)
        {
            var c = pending[i];
            if (c is ' ' or '\t')
            {
                continue;
            }

            return c is '.' or '!' or '?' or '\n';
        }

        return false;
    }
}
