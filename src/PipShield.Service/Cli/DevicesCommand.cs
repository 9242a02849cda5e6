using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PipShield.Service.BlockPage;
using PipShield.Service.Devices;
using PipShield.Service.Enrolment;
using PipShield.Service.Hosting;

namespace PipShield.Service.Cli;

/// <summary><c>pipshield devices add|list|remove</c>: manages the enrolled devices in the state directory's store.</summary>
internal static class DevicesCommand
{
    public static Command Create(CliConsole console)
    {
        var config = new Option<string?>("--config") { Description = "Configuration file (default pipshield.json when present); its Lists:StateDirectory and Devices section say where the store is." };
        var stateDirectory = new Option<string?>("--state-dir") { Description = "State directory, instead of the configured one." };

        var name = new Argument<string>("NAME") { Description = "A name to know the device by, e.g. \"Sam's phone\"." };
        var address = new Option<string[]>("--address") { Description = "A plain-DNS client address that means this device (repeatable).", AllowMultipleArgumentsPerToken = false };
        var add = new Command("add", "Enrol a device: give it a new secret ID and print its encrypted-DNS settings and enrolment page.")
        {
            name, address, config, stateDirectory,
        };
        add.SetAction(r => Run(console, r.GetValue(config), r.GetValue(stateDirectory), c => Add(c, r.GetValue(name)!, r.GetValue(address) ?? [])));

        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var list = new Command("list", "List the enrolled devices.") { json, config, stateDirectory };
        list.SetAction(r => Run(console, r.GetValue(config), r.GetValue(stateDirectory), c => List(c, r.GetValue(json))));

        var which = new Argument<string>("NAME|ID") { Description = "The device's name or ID." };
        var remove = new Command("remove", "Remove a device: its ID stops working and its address is no longer named.") { which, config, stateDirectory };
        remove.SetAction(r => Run(console, r.GetValue(config), r.GetValue(stateDirectory), c => Remove(c, r.GetValue(which)!)));

        return new Command("devices", "Enrol, list and remove devices (see docs/DEVICES.md).") { add, list, remove };
    }

    private static int Run(CliConsole console, string? configFile, string? stateDirectory, Func<Context, int> action)
    {
        try
        {
            using IHost host = ResolverHost.Build(new RunSettings { ConfigFile = configFile });
            DevicesOptions devices = host.Services.GetRequiredService<IOptions<DevicesOptions>>().Value;
            BlockPageOptions page = host.Services.GetRequiredService<IOptions<BlockPageOptions>>().Value;
            string state = stateDirectory ?? host.Services.GetRequiredService<IOptions<ListsOptions>>().Value.StateDirectory ?? "";
            return action(new Context(console, DeviceStore.PathOf(devices, state), devices, page));
        }
        catch (Exception ex) when (ex is DeviceFileException or StartupException or OptionsValidationException or InvalidOperationException
            or IOException or UnauthorizedAccessException)
        {
            return console.Fail(ex.Message);
        }
    }

    private static int Add(Context context, string name, string[] addresses)
    {
        DeviceRecord device = DeviceEnrolment.Add(context.Path, name, addresses, TimeProvider.System);
        EnrolmentLinks links = EnrolmentLinks.For(device.Id, context.Devices, context.Page);
        TextWriter output = context.Console.Out;
        output.Write($"Device:          {device.Name}\n");
        output.Write($"ID:              {device.Id}\n");
        output.Write($"DoH URL:         {links.DohUrl ?? "(not configured: set Resolver:Server:Tls:HostName or Devices:DohBaseUrl)"}\n");
        output.Write($"DoT host name:   {links.DotHost ?? "(not configured: set Devices:DotHostName)"}\n");
        // A loopback link looks usable but takes the phone to itself: print the path alone and say why on stderr.
        string page = links.Reach == PageReach.Reachable ? links.PageUrl! : $"{links.PagePath} on the warning page's server (no address a device can reach: see the warning)";
        output.Write($"Enrolment page:  {(links.Reach == PageReach.Off ? "(the warning page is off)" : page)}\n");
        if (device.Addresses.Count > 0)
        {
            output.Write($"Plain DNS from:  {string.Join(", ", device.Addresses)}\n");
        }

        output.Flush();
        WarnAboutLinks(context, links, device.Addresses.Count > 0);

        context.Console.Note($"added to {context.Path}; the running service picks it up within seconds. The ID is a secret: share the enrolment page with the device's user only.");
        return ExitCodes.Success;
    }

    private static int List(Context context, bool json)
    {
        List<DeviceRecord> devices = DeviceFile.Read(context.Path);
        if (json)
        {
            var buffer = new MemoryStream();
            using (var jsonWriter = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                jsonWriter.WriteStartArray();
                foreach (DeviceRecord device in devices)
                {
                    EnrolmentLinks links = EnrolmentLinks.For(device.Id, context.Devices, context.Page);
                    jsonWriter.WriteStartObject();
                    jsonWriter.WriteString("name", device.Name);
                    jsonWriter.WriteString("id", device.Id);
                    jsonWriter.WriteString("created", device.Created);
                    jsonWriter.WriteStartArray("addresses");
                    device.Addresses.ForEach(jsonWriter.WriteStringValue);
                    jsonWriter.WriteEndArray();
                    jsonWriter.WriteString("dohUrl", links.DohUrl);
                    jsonWriter.WriteString("dotHostName", links.DotHost);
                    jsonWriter.WriteString("enrolmentPage", links.PageUrl);
                    jsonWriter.WriteEndObject();
                }

                jsonWriter.WriteEndArray();
            }

            context.Console.Out.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
            if (devices.Count > 0)
            {
                context.Console.Out.Flush();
                WarnAboutLinks(context, EnrolmentLinks.For(devices[0].Id, context.Devices, context.Page), namedByAddress: true);
            }

            return ExitCodes.Success;
        }

        if (devices.Count == 0)
        {
            context.Console.Note($"no devices enrolled in {context.Path}; add one with 'pipshield devices add NAME'");
            return ExitCodes.Success;
        }

        var table = new TextTable("NAME", "ID", "CREATED", "PLAIN-DNS ADDRESSES");
        foreach (DeviceRecord device in devices)
        {
            table.AddRow(device.Name, device.Id, device.Created.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                device.Addresses.Count > 0 ? string.Join(", ", device.Addresses) : "-");
        }

        table.WriteTo(context.Console.Out);
        return ExitCodes.Success;
    }

    /// <summary>One stderr line for each setting that leaves a device without a usable link or encrypted DNS.</summary>
    /// <param name="namedByAddress">False for a new device with no plain-DNS address, which nothing can name yet.</param>
    private static void WarnAboutLinks(Context context, EnrolmentLinks links, bool namedByAddress)
    {
        string? page = links.Reach switch
        {
            PageReach.LocalOnly => $"warning: the enrolment page's only known address is {new Uri(links.PageUrl!).Host}, which works on this server only; "
                + "set BlockPage:AddressIPv4 (or BlockPage:AddressIPv6) to the address devices reach this server on",
            PageReach.NoAddress => "warning: the warning page listens on every address, so there is no link to print; "
                + "set BlockPage:AddressIPv4 (or BlockPage:AddressIPv6) to the address devices reach this server on",
            PageReach.Off => "warning: the enrolment page is not served because the warning page is off (BlockPage:Enabled) "
                + "or has no BlockPage:HttpEndPoints; give the device its settings some other way",
            _ => null,
        };
        if (page is not null)
        {
            context.Console.Note(page);
        }

        if (links.NoEncryptedDns)
        {
            context.Console.Note("warning: encrypted DNS is not configured (set Resolver:Server:Tls:HostName with a certificate, or Devices:DohBaseUrl or Devices:DotHostName), so the enrolment page "
                + "offers no encrypted-DNS setting and a device is named only by its --address" + (namedByAddress ? "" : "; this one has none"));
        }
    }

    private static int Remove(Context context, string nameOrId)
    {
        DeviceRecord device = DeviceEnrolment.Remove(context.Path, nameOrId);
        context.Console.Out.Write($"Removed device {device.Name}\n");
        context.Console.Note("the running service stops accepting its ID within seconds; undo the DNS setting on the device too.");
        return ExitCodes.Success;
    }

    private sealed record Context(CliConsole Console, string Path, DevicesOptions Devices, BlockPageOptions Page);
}
