using System.Text;
using AppSyncChat.Aws.Sqs;

namespace AppSyncChat.Aws.Tests.Sqs;

/// <summary>The published vectors of the npm package aws-md5-of-message-attributes (aws-protocols.md §4.2).</summary>
public sealed class SqsMd5Tests
{
    private static readonly SqsMessageAttribute StringAttribute = new("String", "attribValue 1");
    private static readonly SqsMessageAttribute BinaryAttribute = new("Binary", BinaryValue: Encoding.UTF8.GetBytes("Hello binary world!"));
    private static readonly SqsMessageAttribute NumberAttribute = new("Number.float", "4563442423554324324264524243.32543234");

    [Fact]
    public void OfAttributes_SingleStringVector_MatchesPublishedDigest()
    {
        var md5 = SqsMd5.OfAttributes(new Dictionary<string, SqsMessageAttribute> { ["attribName1"] = StringAttribute });

        Assert.Equal("19e27d4e946b072f3f58da80d94fd778", md5);
    }

    [Fact]
    public void OfAttributes_SingleBinaryVector_MatchesPublishedDigest()
    {
        var md5 = SqsMd5.OfAttributes(new Dictionary<string, SqsMessageAttribute> { ["binaryAttribute"] = BinaryAttribute });

        Assert.Equal("31a92b15d92f8db860eda32aceb656c3", md5);
    }

    [Fact]
    public void OfAttributes_MixedVectorInAnyInsertionOrder_MatchesPublishedDigest()
    {
        // Inserted out of byte order on purpose: the digest sorts by name.
        var attributes = new Dictionary<string, SqsMessageAttribute>
        {
            ["customNumberTypeAttrib"] = NumberAttribute,
            ["binaryAttribute"] = BinaryAttribute,
            ["attribName1"] = StringAttribute,
        };

        Assert.Equal("c932db14a896c663f83c260297d594ff", SqsMd5.OfAttributes(attributes));
    }

    [Fact]
    public void OfAttributes_NonAsciiStringValue_LengthPrefixIsTheUtf8ByteCount()
    {
        // Built by hand from the documented encoding: "é" is 1 UTF-16 char but 2 UTF-8 bytes.
        byte[] encoding = [0, 0, 0, 1, (byte)'a', 0, 0, 0, 6, .. "String"u8, 1, 0, 0, 0, 2, 0xC3, 0xA9];
#pragma warning disable CA5351 // MD5 is the algorithm under test.
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(encoding));
#pragma warning restore CA5351

        Assert.Equal(expected, SqsMd5.OfAttributes(new Dictionary<string, SqsMessageAttribute> { ["a"] = new("String", "é") }));
    }

    [Fact]
    public void OfAttributes_NoAttributes_IsNull()
    {
        Assert.Null(SqsMd5.OfAttributes(new Dictionary<string, SqsMessageAttribute>()));
        Assert.Null(SqsMd5.OfAttributes(null));
    }

    [Fact]
    public void OfBody_KnownText_IsHexMd5OfUtf8()
    {
        // The Lambda SQS event documentation's example: body "Test message." with md5OfBody e4e68fb7….
        Assert.Equal("e4e68fb7bd0e697a0ae8f1bb342846b3", SqsMd5.OfBody("Test message."));
    }
}
