exports.onExecutePostLogin = async (event, api) => {
  if (event.user.app_metadata.blocked) api.access.deny('blocked');
};
