exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('@@CLAIM@@', 1);
};
