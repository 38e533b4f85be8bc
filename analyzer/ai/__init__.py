"""Where AI is in a codebase: which AI services, models and SDKs the code uses (`inventory`), which
commits and lines an assistant wrote (`provenance`), and a policy over both (`policy`, rule DS540).
The vendor table they share is data: `vendors.toml`."""
