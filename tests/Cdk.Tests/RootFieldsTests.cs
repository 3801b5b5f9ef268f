using AppSyncChat.Cdk.Graphql;
using AppSyncChat.Contracts;

namespace AppSyncChat.Cdk.Tests;

public sealed class RootFieldsTests
{
    [Fact]
    public void Read_ContractsSchema_EveryQueryAndMutationField() => Assert.Equal(
        new[] { ("Query", "getConversation"), ("Query", "listConversations"), ("Mutation", "sendMessage"), ("Mutation", "stopGeneration"), ("Mutation", "regenerate"), ("Mutation", "createConversation") },
        RootFields.Read(Schema.ReadText()));

    [Fact]
    public void Read_DescriptionsAndCommentsWithFieldLikeText_AreIgnored()
    {
        const string schema = """"
            # type Query { fake: Int }
            type Query @aws_api_key {
              "ping(x): answers"
              ping(x: Int): Int
              """
              notAField: String
              """
              status: String # trailing: comment
            }
            type Other { name: String }
            """";

        Assert.Equal(new[] { ("Query", "ping"), ("Query", "status") }, RootFields.Read(schema));
    }

    [Fact]
    public void Read_NoRootType_Throws() => Assert.Throws<ArgumentException>(() => RootFields.Read("type Other { name: String }"));
}
