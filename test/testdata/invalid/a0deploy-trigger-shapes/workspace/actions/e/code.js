exports.onExecuteCredentialsExchange = async () => {};
