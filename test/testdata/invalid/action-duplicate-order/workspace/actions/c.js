exports.onExecutePreUserRegistration = async (event, api) => {};
