using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Tests.Fixtures;

namespace AppSyncChat.Api.Tests.Resolver;

/// <summary>The table of bad requests (<see cref="BadInputCases"/>) as resolver events: each gets its typed error, a message naming the field, and nothing stored or enqueued.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class BadInputTests(DynaliteFixture dynalite) : ResolverTestBase(dynalite)
{
    public static TheoryData<BadInputCase> Cases() => new(BadInputCases.All());

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Resolver_BadInput_TypedErrorAndNothingStored(BadInputCase bad)
    {
        var before = await TableSnapshotAsync();

        // As the API key, except listConversations, which the API key may not call at all (OwnerAccessTests).
        var identity = bad.Field == "listConversations" ? Alice : ApiKey;
        var error = await Assert.ThrowsAnyAsync<ApiException>(() => InvokeAsync(bad.Parent, bad.Field, bad.Arguments, identity));

        Assert.Equal(bad.ErrorType, error.ErrorType);
        Assert.Equal(bad.ErrorType, error.GetType().Name);
        Assert.Contains(bad.Fragment, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await TableSnapshotAsync());
        Assert.Empty(Sqs.Sent);
    }

    [Fact]
    public async Task Resolver_NotAnAppSyncEvent_ValidationError()
    {
        var error = await Assert.ThrowsAsync<ValidationError>(() => InvokeRawAsync("""{"hello":"world"}"""));

        Assert.Contains("info.fieldName", error.Message, StringComparison.Ordinal);
    }
}
