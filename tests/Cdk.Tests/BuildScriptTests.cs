using System.Text.RegularExpressions;
using System.Xml.Linq;
using AppSyncChat.Testing;

namespace AppSyncChat.Cdk.Tests;

/// <summary>
/// build-functions.sh must publish the projects under the assembly names their csproj declares, as Native AOT
/// by default with trim/AOT warnings as errors (ReadyToRun only when asked).
/// </summary>
public sealed partial class BuildScriptTests
{
    [Theory]
    [InlineData("api", "Api/AppSyncChat.Api.csproj")]
    [InlineData("worker", "Worker/AppSyncChat.Worker.csproj")]
    public void BuildScript_PublishesEachFunctionUnderItsAssemblyName(string name, string project)
    {
        var root = TestRepository.Root;
        var assemblyName = XDocument.Load(Path.Combine(root, project)).Descendants("AssemblyName").Single().Value;
        var script = File.ReadAllText(Path.Combine(root, "Cdk", "build-functions.sh"));

        var publish = Assert.Single(PublishLine().Matches(script), m => m.Groups["name"].Value == name);
        Assert.Equal(project, publish.Groups["project"].Value);
        Assert.Equal(assemblyName, publish.Groups["assembly"].Value);
        Assert.Contains("build=\"${FUNCTION_BUILD:-aot}\"", script, StringComparison.Ordinal);
        Assert.Contains("aot) mode_flags=(-p:PublishAot=true -p:IlcTreatWarningsAsErrors=true)", script, StringComparison.Ordinal);
        Assert.Contains("r2r) mode_flags=(--self-contained true -p:PublishReadyToRun=true)", script, StringComparison.Ordinal);
        Assert.Contains("-p:TreatWarningsAsErrors=true", script, StringComparison.Ordinal);
        Assert.Contains("--runtime linux-x64", script, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^publish (?<name>\S+) (?<project>\S+) (?<assembly>\S+)$", RegexOptions.Multiline)]
    private static partial Regex PublishLine();
}
