const axios = require('axios');

exports.onExecutePostLogin = async (event, api) => {
  const res = await axios.get(event.secrets.URL));
};
