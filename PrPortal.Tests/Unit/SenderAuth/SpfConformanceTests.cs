using System.Net;
using PrPortal.Features.SenderAuth;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace PrPortal.Tests.Unit.SenderAuth;

/// <summary>
/// The RFC 7208 conformance suite (openspf.org release 2014.04, ../shared/corpora/spf, BSD licence):
/// every case's zone data is served through <see cref="ISpfDns"/> and our evaluator must give the
/// expected result, and the expected explanation where the case names one.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SpfConformanceTests(ITestOutputHelper output)
{
    public sealed record SuiteCase(string Section, string Name, string Helo, string Host, string MailFrom, string[] Results, string? Explanation,
        IReadOnlyDictionary<string, IReadOnlyList<ZoneSpfDns.Entry>> Zone);

    public static IReadOnlyList<SuiteCase> Load()
    {
        var path = Path.Combine(Support.RepositoryPaths.Root, "..", "shared", "corpora", "spf", "rfc7208-tests.yml");
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }
        var cases = new List<SuiteCase>();
        foreach (var document in stream.Documents)
        {
            var root = (YamlMappingNode)document.RootNode;
            var section = Scalar(root, "description") ?? "";
            var zone = new Dictionary<string, IReadOnlyList<ZoneSpfDns.Entry>>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, records) in (YamlMappingNode)root.Children[new YamlScalarNode("zonedata")])
            {
                zone[((YamlScalarNode)name).Value!.TrimEnd('.').ToLowerInvariant()] = ((YamlSequenceNode)records).Children.Select(Entry).ToList();
            }
            foreach (var (name, node) in (YamlMappingNode)root.Children[new YamlScalarNode("tests")])
            {
                var test = (YamlMappingNode)node;
                var result = test.Children[new YamlScalarNode("result")];
                var results = result is YamlSequenceNode list
                    ? list.Children.Select(c => ((YamlScalarNode)c).Value!).ToArray()
                    : [((YamlScalarNode)result).Value!];
                cases.Add(new SuiteCase(section, ((YamlScalarNode)name).Value!, Scalar(test, "helo") ?? "", Scalar(test, "host")!,
                    Scalar(test, "mailfrom") ?? "", results, Scalar(test, "explanation"), zone));
            }
        }
        return cases;
    }

    private static ZoneSpfDns.Entry Entry(YamlNode node)
    {
        if (node is YamlScalarNode scalar)
        {
            return new ZoneSpfDns.Entry(scalar.Value!, null);
        }
        var (type, value) = ((YamlMappingNode)node).Children.Single();
        object? read = value switch
        {
            YamlScalarNode s => s.Value,
            YamlSequenceNode seq => seq.Children.Select(c => (object)((YamlScalarNode)c).Value!).ToList(),
            _ => null,
        };
        return new ZoneSpfDns.Entry(((YamlScalarNode)type).Value!, read);
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    [Fact]
    public async Task Every_case_of_the_RFC_7208_suite_gives_the_expected_result()
    {
        var cases = Load();
        var failures = new List<string>();
        foreach (var test in cases)
        {
            var evaluator = new SpfEvaluator(new ZoneSpfDns(test.Zone), TimeProvider.System);
            var outcome = await evaluator.CheckAsync(IPAddress.Parse(test.Host), test.MailFrom, test.Helo, CancellationToken.None);
            var result = SpfEvaluator.ResultName(outcome.Result);
            var explanation = outcome.Explanation ?? "DEFAULT";
            if (!test.Results.Contains(result))
            {
                failures.Add($"{test.Section} / {test.Name}: got {result} ({outcome.Reason}), expected {string.Join(" or ", test.Results)}");
            }
            else if (test.Explanation is not null && explanation != test.Explanation)
            {
                failures.Add($"{test.Section} / {test.Name}: explanation '{explanation}', expected '{test.Explanation}'");
            }
        }
        output.WriteLine($"RFC 7208 suite: {cases.Count - failures.Count} of {cases.Count} cases pass");
        foreach (var failure in failures)
        {
            output.WriteLine(failure);
        }
        Assert.True(cases.Count >= 200, $"only {cases.Count} cases loaded");
        Assert.Empty(failures);
    }
}
