using Siem.Web.Hosting;
using Siem.Store;

var builder = WebApplication.CreateBuilder(args);
builder.AddSiemWeb();
builder.Build().UseSiemWeb().Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
