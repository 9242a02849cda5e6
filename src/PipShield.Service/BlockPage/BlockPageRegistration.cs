using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Stages.Policy;

namespace PipShield.Service.BlockPage;

/// <summary>Adds the warning page to the service host.</summary>
internal static class BlockPageRegistration
{
    /// <summary>
    /// Registers the page server (started after the resolver) and points sinkhole answers at it: when the page is
    /// on and <c>Resolver:Policy:SinkholeIPv4</c>/<c>IPv6</c> are not set, blocked A/AAAA answers carry the
    /// page's reachable address.
    /// </summary>
    public static IServiceCollection AddBlockPage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<BlockPageOptions>, BlockPageOptionsValidator>();
        services.AddOptions<PolicyOptions>().PostConfigure<IOptions<BlockPageOptions>>((policy, page) =>
        {
            // Clients that ask for structured error text learn who to contact and who blocked the name.
            if (policy.StructuredErrorContacts.Count == 0 && page.Value.ReportAddress is { } report && BlockPageText.ReportLink(report) is { } link)
            {
                policy.StructuredErrorContacts.Add(link);
            }

            policy.StructuredErrorOrganisation ??= page.Value.Organisation;

            if (!page.Value.Enabled)
            {
                return;
            }

            // The page says who to contact and how to report a mistake, so its address is a contact too.
            if (BlockPageAddresses.Reachable(page.Value, AddressFamily.InterNetwork) is IPAddress pageAddress)
            {
                int port = IPEndPoint.Parse(page.Value.HttpEndPoints[0]).Port;
                string pageLink = port == 80 ? $"http://{pageAddress}/" : $"http://{pageAddress}:{port}/";
                if (!policy.StructuredErrorContacts.Contains(pageLink))
                {
                    policy.StructuredErrorContacts.Add(pageLink);
                }
            }

            if (configuration[$"{PolicyOptions.SectionName}:{nameof(PolicyOptions.SinkholeIPv4)}"] is null
                && BlockPageAddresses.Reachable(page.Value, AddressFamily.InterNetwork) is IPAddress v4)
            {
                policy.SinkholeIPv4 = v4.ToString();
            }

            if (configuration[$"{PolicyOptions.SectionName}:{nameof(PolicyOptions.SinkholeIPv6)}"] is null
                && BlockPageAddresses.Reachable(page.Value, AddressFamily.InterNetworkV6) is IPAddress v6)
            {
                policy.SinkholeIPv6 = v6.ToString();
            }
        });
        services.AddSingleton<BlockPageHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<BlockPageHostedService>());
        return services;
    }
}
