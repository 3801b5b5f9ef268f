using System.Text;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Worker.Tests.Fakes;

/// <summary>
/// Rebuilds a message from its events the way the stream contract says (README.md "The stream contract", docs/catch-up.md),
/// strictly: seq must be gap-free from 0 per turn, text offsets must equal the current length, and the
/// terminal length and checksum must match. Any violation fails the test.
/// </summary>
public sealed class Viewer
{
    private readonly StringBuilder _text = new();

    public int Turn { get; private set; }

    public long NextSeq { get; private set; }

    public StreamEvent? Terminal { get; private set; }

    public string Text => _text.ToString();

    public static Viewer Replay(IEnumerable<StreamEvent> events, string startText = "")
    {
        var viewer = new Viewer();
        viewer._text.Append(startText);
        foreach (var e in events)
        {
            viewer.Apply(e);
        }

        return viewer;
    }

    public void Apply(StreamEvent e)
    {
        if (e.Turn > Turn)
        {
            Assert.IsType<TurnStarted>(e);
            Turn = e.Turn;
            NextSeq = 0;
            Terminal = null;
        }

        Assert.Equal(Turn, e.Turn);
        Assert.Equal(NextSeq, e.Seq);
        NextSeq++;
        switch (e)
        {
            case TurnStarted started:
                Assert.True(started.Offset <= _text.Length, "turn.started offset beyond the text");
                _text.Length = (int)started.Offset;
                break;
            case TextDelta delta:
                Assert.Equal(_text.Length, delta.Offset);
                Assert.False(delta.Text.Length > 0 && char.IsLowSurrogate(delta.Text[0]) && _text.Length > 0 && char.IsHighSurrogate(_text[^1]), "an event split a surrogate pair");
                Assert.False(delta.Text.Length > 0 && char.IsHighSurrogate(delta.Text[^1]), "an event ends inside a surrogate pair");
                _text.Append(delta.Text);
                break;
            case TurnCompleted completed:
                Assert.Equal(_text.Length, completed.Length);
                Assert.Equal(TextChecksum.Of(Text), completed.Checksum);
                Terminal = e;
                break;
            case TurnFailed failed:
                Assert.Equal(_text.Length, failed.Length);
                Assert.Equal(TextChecksum.Of(Text), failed.Checksum);
                Terminal = e;
                break;
            case TurnCancelled cancelled:
                Assert.Equal(_text.Length, cancelled.Length);
                Assert.Equal(TextChecksum.Of(Text), cancelled.Checksum);
                Terminal = e;
                break;
            default:
                break;
        }
    }
}
