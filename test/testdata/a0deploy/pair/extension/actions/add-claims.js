const _ = require('lodash');

exports.onExecutePostLogin = async (event, api) => {
  const roles = _.get(event, 'authorization.roles', []);
  api.idToken.setCustomClaim('##API_URL##/roles', roles);
  api.idToken.setCustomClaim('##API_URL##/signed', Boolean(event.secrets.API_KEY));
};
